"""`python rasa_main.py run ...` is `rasa run ...` with two CPU fixes to Rasa 3.6 (govchat/stack.py starts Rasa so).

1. Rasa checks every action server response with `jsonschema.validate(response, schema)`, and `validate` first checks the
constant schema itself against JSON Schema's 2020-12 meta-schema: about 20 ms of CPU per custom action call with
jsonschema 4.17, a fifth of Rasa's CPU per message (docs/performance.md, `python -m benchmarks.cpu`). Here the schema
is checked once, at start-up, and one validator is reused. Responses are validated exactly as before: the same
validator class (the one `validate` picks), the same best-matching ValidationError with the same message.
2. Loading a tracker turns every stored event back into an object, and `Event.resolve_by_type` finds each event's
class by walking all subclasses of `Event` again: about an eighth of Rasa's CPU per message (py-spy). Here each
type name is resolved that way once and remembered; names it does not know still go through Rasa's own lookup.
If Rasa's method is not the expected one (another Rasa version), nothing is patched.
"""

from __future__ import annotations

import inspect
import logging
import sys
from typing import Any, Dict, Text

from rasa.__main__ import main

logger = logging.getLogger(__name__)


def reuse_action_response_validator() -> bool:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for

    from rasa.core.actions import action

    remote = action.RemoteAction
    original = getattr(remote, "_validate_action_result", None)
    if original is None or "validate(result, self.action_response_format_spec())" not in inspect.getsource(original):
        logger.warning("RemoteAction._validate_action_result is not Rasa 3.6's; action responses validated as before")
        return False
    schema = remote.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # what validate() did on every call
    validator = validator_class(schema)

    def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{action.DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    remote._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    return True


def remember_event_classes() -> bool:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    if "all_subclasses(Event)" not in inspect.getsource(original):
        logger.warning("Event.resolve_by_type is not Rasa 3.6's; event classes looked up as before")
        return False
    known: Dict[Text, Any] = {}

    def resolve_by_type(type_name: Text, default: Any = None) -> Any:
        event_class = known.get(type_name)
        if event_class is None:
            event_class = original(type_name, default)  # raises, or returns the default, exactly as before
            if event_class is not None and event_class.type_name == type_name:
                known[type_name] = event_class
        return event_class

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
    return True


if __name__ == "__main__":
    reuse_action_response_validator()
    remember_event_classes()
    sys.argv[0] = "rasa"
    sys.exit(main())
