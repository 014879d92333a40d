"""The combined form of a life event (一表申请): the shared facts once, each service's own facts, one submission."""
