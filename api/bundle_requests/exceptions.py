from api.service_requests.exceptions import InvalidField


class UnknownLifeEvent(InvalidField):
    code = "unknown_life_event"
