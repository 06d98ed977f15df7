"""Schema errors in the user's words: what is expected, with an example; never a regular expression
or a Python repr. Worded from jsonschema's errors (only files that fail their schema get here)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_TYPES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "array": "a list",
    "object": "a mapping (key: value lines)",
    "boolean": "true or false",
    "null": "null",
}
_TYPE_EXAMPLES = {"integer": "1", "number": "1", "string": '"text"', "array": "[a, b]", "boolean": "true",
                  "object": "{key: value}", "null": "null"}


_CODE = re.compile(r"e\.g\. `([^`]+)`|\(\"([^\"]+)\"\)")  # an example the description gives


def where(path: Sequence[Any]) -> str:
    """``jit.approvals``, ``assignments[0].targets[1]``; empty for the top of the file."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def show(value: Any) -> str:
    """A value as the user wrote it in YAML, described: never a Python repr."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 60 else f'"{value[:57]}..."'
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, Mapping):
        return "a mapping" if value else "an empty mapping"
    return "a value of another kind"


def _yaml(value: Any) -> str:
    if isinstance(value, str):
        plain = value and value.strip() == value and not any(c in value for c in ":#{}[],&*!|>'\"%@`")
        plain = plain and not value[0].isdigit() and not value.startswith(("-", "."))  # numbers, dates: quoted
        return value if plain and value.lower() not in ("true", "false", "null", "yes", "no") else json.dumps(value)
    return json.dumps(value)


def _example(schema: Mapping[str, Any]) -> str | None:
    for key in ("examples", "enum"):
        values = schema.get(key)
        if isinstance(values, list) and values:
            return _yaml(values[0])
    if "const" in schema:
        return _yaml(schema["const"])
    text = schema.get("description")
    if isinstance(text, str):  # "e.g. `x`" or ("x") in the description
        found = _CODE.search(text)
        if found:
            return _yaml(found.group(1) or found.group(2))
    return None


def _lower_first(title: str) -> str:
    """"Target" -> "target"; "ISO 8601 duration" stays as it is."""
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def _types(expected: Any) -> list[str]:
    return [expected] if isinstance(expected, str) else list(expected or [])


def _either(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _key_of(path: Sequence[Any]) -> str | None:
    return next((str(p) for p in reversed(path) if isinstance(p, str)), None)


def _assign(path: Sequence[Any], value: str) -> str:
    key = _key_of(path)
    if path and isinstance(path[-1], int):
        return value  # a list item
    return f"{key}: {value}" if key else value


def _about(schema: Mapping[str, Any]) -> str:
    """The schema's own description, as a sentence to append."""
    text = schema.get("description")
    return f" ({text.rstrip('.')})" if isinstance(text, str) and text else ""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """"; did you mean X?" when one of ``choices`` is close to ``word``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f"; did you mean {close[0]}?" if close else ""


def word(error: Any, root: Mapping[str, Any]) -> str:
    """One jsonschema error (already the best match) as a sentence for the user."""
    path = list(error.absolute_path)
    here = where(path)
    subject = here or "the file"
    kind, expected, value, schema = error.validator, error.validator_value, error.instance, error.schema
    if kind == "type":
        names = _types(expected)
        wanted = _either([_TYPES.get(t, t) for t in names])
        example = _example(schema) or _TYPE_EXAMPLES.get(names[0], "")
        if names[0] == "array" and isinstance(value, str | int | float) and not isinstance(value, bool):
            example = f"[{_yaml(value)}]"  # one value where a list is expected: the list of it
        return f"{subject} must be {wanted}, e.g. {_assign(path, example)}; got {show(value)}"
    if kind == "enum":
        options = [_yaml(o) for o in expected]
        if isinstance(value, str):
            same = [o for o in expected if isinstance(o, str) and o.lower() == value.lower()]
            if same:
                return (f'{subject} is "{value}": write {_assign(path, _yaml(same[0]))} (case matters; '
                        f"one of {_either(options)})")
        if isinstance(value, bool) and any(o in ("off", "on", "yes", "no") for o in expected if isinstance(o, str)):
            word = next(o for o in expected if o in ("off", "on", "yes", "no"))  # YAML 1.1 reads them as booleans
            return (f'{subject} must be one of {_either(options)}; got {show(value)}: YAML reads an unquoted {word} '
                    f'as a boolean, so quote it: {_assign(path, chr(34) + word + chr(34))}')
        return f"{subject} must be one of {_either(options)}, e.g. {_assign(path, options[0])}; got {show(value)}"
    if kind == "const":
        return f"{subject} must be {_yaml(expected)}; got {show(value)}"
    if kind == "pattern":
        title = schema.get("title")
        what = f"a valid {_lower_first(title)}" if isinstance(title, str) else "in the expected form"
        example = _example(schema)
        hint = f", e.g. {_assign(path, example)}" if example else ""
        return f"{subject} {show(value)} is not {what}{hint}{_about(schema)}"
    if kind == "required":
        missing = next((m for m in expected if isinstance(value, Mapping) and m not in value), expected[0])
        prop = schema.get("properties", {}).get(missing, {}) if isinstance(schema.get("properties"), Mapping) else {}
        example = _example(prop)
        hint = f", e.g. {missing}: {example}" if example else ""
        if not isinstance(value, Mapping) or not value and not path:
            return f"{subject} needs {missing}{hint}{_about(prop)}"
        return f"{subject} is missing {missing}{hint}{_about(prop)}"
    if kind == "additionalProperties":
        return _unknown_keys(error, subject)
    if kind in ("minLength", "minItems"):
        if expected == 1:
            return f"{subject} must not be empty"
        unit = "characters" if kind == "minLength" else "items"
        return f"{subject} needs at least {expected} {unit}; got {show(value)}"
    if kind in ("maxLength", "maxItems"):
        unit = "characters" if kind == "maxLength" else "items"
        return f"{subject} has {len(value)} {unit}; at most {expected} are allowed"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most",
                 "exclusiveMaximum": "less than"}[kind]
        return f"{subject} must be {bound} {expected}; got {show(value)}"
    if kind == "uniqueItems":
        seen: list[Any] = []
        twice = next((v for v in value if v in seen or seen.append(v)), None)  # type: ignore[func-returns-value]
        return f"{subject} lists {show(twice)} more than once"
    if kind == "not":
        about = _property_schema(root, path)
        return f"{subject} is not allowed here{_about(about)}"
    if kind == "dependentRequired":
        key = next((k for k in expected if isinstance(value, Mapping) and k in value), None)
        needs = _either(list(expected.get(key, []))) if key else "another key"
        return f"{subject}: {key} is only allowed together with {needs}"
    if kind in ("oneOf", "anyOf"):
        return _alternatives(error, subject, kind)
    if kind == "propertyNames":
        return f"{subject}: a key is not allowed{_about(schema)}"
    return f"{subject} does not match what is expected here{_about(schema)}"


def _unknown_keys(error: Any, subject: str) -> str:
    allowed = list(error.schema.get("properties", {}))
    patterns = error.schema.get("patternProperties", {})
    extra = [k for k in error.instance if k not in allowed and not any(re.search(p, str(k)) for p in patterns)]
    if not extra:
        return f"{subject} has a key that is not allowed"
    key = str(extra[0])
    inside = "" if subject == "the file" else f" in {subject}"
    hint = did_you_mean(key, allowed)
    if not hint and allowed:
        hint = f"; the keys allowed here are {_either(allowed)}"
    return f"unknown key {key}{inside}{hint}"


def _alternatives(error: Any, subject: str, kind: str) -> str:
    """oneOf / anyOf: say which alternatives there are (each branch that needs a key)."""
    branches = error.validator_value if isinstance(error.validator_value, list) else []
    needs = [b["required"][0] for b in branches if isinstance(b, Mapping) and b.get("required")]
    if needs and len(needs) == len(branches):
        present = [k for k in needs if isinstance(error.instance, Mapping) and k in error.instance]
        if len(present) > 1:
            return f"{subject} has both {_either(present).replace(' or ', ' and ')}: give only one of them"
        return f"{subject} needs one of {_either(needs)}"
    from jsonschema.exceptions import best_match

    inner = best_match(error.context) if error.context else None
    if inner is not None and inner is not error:
        return word(inner, error.schema)
    return f"{subject} does not match any of the forms allowed here{_about(error.schema)}"


def _property_schema(root: Mapping[str, Any], path: Sequence[Any]) -> Mapping[str, Any]:
    """The root schema's description of a top-level key (what `not` errors point at)."""
    if len(path) == 1 and isinstance(root.get("properties"), Mapping):
        found = root["properties"].get(path[0])
        if isinstance(found, Mapping):
            return found
    return {}
