"""Handover inbox: conversations waiting for a human, claim, reply, hand back, close; office hours; call-backs."""
