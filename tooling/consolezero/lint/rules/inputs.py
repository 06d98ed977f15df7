"""Input rules: the files parse, match their schema, and name only what is declared."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from consolezero.core.findings import Severity, Where
from consolezero.core.model import Target

from ..context import LintContext
from .base import Hit, rule
from .schema_words import did_you_mean, show

FAMILY = "inputs"

# paths (and everything below them) whose problems a more specific rule explains better
OWNED_PATHS: Mapping[str, tuple[tuple, ...]] = {
    "account": (("id",), ("email",)),  # account-id-format; aws-field-format
    "role": (("name",), ("session_duration",), ("jit", "max_duration"),  # permission-set-name, ...
             ("inline_policy",), ("permissions_boundary", "policy")),  # the IAM-language rules
    "scp": (("alerts",), ("policy",)),  # deny-without-alert; the IAM-language rules and scp-grammar
    "request": (("duration",),),  # request-duration-too-long
}
_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")


def _load_problems(ctx: LintContext, rule_name: str) -> Iterator[Hit]:
    for file, doc in ctx.repo.documents.items():
        for problem in doc.problems:
            if problem.rule == rule_name:
                yield Hit(Where(file, problem.path, line=problem.line, column=problem.column), problem.message)


@rule("yaml-syntax", Severity.ERROR, "The file is well-formed YAML within the size and alias limits.", family=FAMILY)
def yaml_syntax(ctx: LintContext) -> Iterator[Hit]:
    """
    Every file must parse as plain YAML. Files over `limits.max_file_bytes` (1 MiB by default)
    and documents that expand past `limits.max_yaml_nodes` nodes once aliases are followed (the
    "billion laughs" alias bomb) are refused before they can slow anything down. Custom tags
    (`!!python/object`, `!Ref`) and merge keys (`<<`) are refused too: what you read is what the
    tool reads.

    **Fix:** correct the syntax at the reported line; write repeated content out instead of
    using aliases.
    """
    yield from _load_problems(ctx, "yaml-syntax")


@rule("duplicate-key", Severity.ERROR, "A mapping does not repeat a key.", family=FAMILY)
def duplicate_key(ctx: LintContext) -> Iterator[Hit]:
    """
    YAML parsers silently keep one value of a repeated key (PyYAML keeps the last), so a
    second `targets:` or `Effect:` quietly replaces the first. consolezero refuses the
    repetition and points at the second occurrence.

    **Fix:** merge the two entries into one.
    """
    yield from _load_problems(ctx, "duplicate-key")


def _schema_message(error: object, root: Mapping) -> str:
    from jsonschema.exceptions import best_match

    from .schema_words import word

    if error.instance is None and not error.absolute_path and error.validator == "type":  # type: ignore[attr-defined]
        return "the file is empty (or holds only comments): it needs the fields its schema requires"
    err = error
    if getattr(err, "context", None) and err.validator not in ("oneOf", "anyOf"):  # type: ignore[attr-defined]
        err = best_match(err.context)  # type: ignore[attr-defined]
    return word(err, root)


_STEPS = ("properties", "items", "additionalProperties", "patternProperties", "prefixItems")


def _conditional_parent(error: object) -> tuple | None:
    """For an error raised by an if/then/else branch, the path of the mapping the condition reads;
    None for any other error."""
    steps = list(error.schema_path)  # type: ignore[attr-defined]
    at = max((i for i, s in enumerate(steps) if s in ("then", "else")), default=-1)
    if at < 0:
        return None
    path = tuple(error.absolute_path)  # type: ignore[attr-defined]
    added = sum(1 for s in steps[at + 1:] if s in _STEPS)
    return path[: len(path) - added]


def _worth_reporting(errors: list) -> list:
    """A requirement that depends on another key's value (if/then/else) is not reported while a key
    of the same mapping is wrong itself: `access: JIT` is one finding, not also "jit not allowed"."""
    plain = [tuple(e.absolute_path) for e in errors if _conditional_parent(e) is None]
    kept = []
    for error in errors:
        parent = _conditional_parent(error)
        if parent is not None and any(len(p) > len(parent) and p[: len(parent)] == parent for p in plain):
            continue
        kept.append(error)
    return kept


def _schema_where(file: str, error: object) -> Where:
    path = tuple(error.absolute_path)  # type: ignore[attr-defined]
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):  # type: ignore[attr-defined]
        allowed = error.schema.get("properties", {})  # type: ignore[attr-defined]
        patterns = error.schema.get("patternProperties", {})  # type: ignore[attr-defined]
        for key in error.instance:  # type: ignore[attr-defined]
            if key not in allowed and not any(re.search(p, str(key)) for p in patterns):
                return Where(file, (*path, key), key=True)
    return Where(file, path)


@rule("schema", Severity.ERROR, "The file matches the JSON Schema of its kind.", family=FAMILY)
def schema(ctx: LintContext) -> Iterator[Hit]:
    """
    Each file kind (organization, account, OU, role, SCP, request, `.consolezero.yaml`) has a
    JSON Schema (draft 2020-12) under `schemas/`. The same schemas drive editor completion:
    every example file starts with a `# yaml-language-server: $schema=...` line. GitHub workflows
    and the bootstrap/ templates have no schema here; the CI rules check them. The organization
    file, `accounts/organization.yaml`, must exist: without it the management account, the JIT
    account and the break-glass users are unknown, and the checks that rest on them cannot run.

    Messages say what is expected, with an example (`jit.approvals must be a whole number, e.g.
    approvals: 1; got "one"`); an unknown key gets a "did you mean" (`sesion_duration`), a value
    in the wrong case says that case matters (`access: JIT`). While a key of a mapping is wrong,
    requirements that depend on it (a `jit` block only for `access: jit`) are not reported too;
    nor do the rules that would build on a rejected value (one mistake, one finding).

    **Fix:** the message names the path inside the document and what the schema expected.
    """
    from consolezero.core.repository import ORGANIZATION_FILE
    from consolezero.core.schemas import KIND_SCHEMAS, validator

    from ..rejected import schema_errors

    if ORGANIZATION_FILE not in ctx.repo.kinds:
        yield Hit(Where(ORGANIZATION_FILE),
                  f"{ORGANIZATION_FILE} is missing: it declares management_account, jit_account, identity_center "
                  "and break_glass; without it the management and JIT accounts are unknown and the break-glass way "
                  "out goes unchecked")
    known_rules = {r.name for r in _all()}
    for file, kind in ctx.repo.kinds.items():
        doc = ctx.repo.documents[file]
        if not doc.ok or kind not in KIND_SCHEMAS:  # workflows and bootstrap templates: the CI rules
            continue
        if kind == "config":
            yield from _unknown_config_rules(file, doc.data, known_rules)
        errors = schema_errors(ctx, file)  # the fast check (Rust); the words come from jsonschema's errors
        if not errors:
            continue
        owned = OWNED_PATHS.get(kind, ())
        seen: set[tuple] = set()
        check = validator(kind)
        for error in _worth_reporting(errors):
            path = tuple(error.absolute_path)
            if path in seen or any(path[: len(prefix)] == prefix for prefix in owned):
                continue
            seen.add(path)
            yield Hit(_schema_where(file, error), _schema_message(error, check.schema))


def _unknown_config_rules(file: str, data: object, known: set[str]) -> Iterator[Hit]:
    if not isinstance(data, Mapping):
        return
    severity = data.get("severity")
    if isinstance(severity, Mapping):
        for name in severity:
            if name not in known:
                yield Hit(Where(file, ("severity", name), key=True),
                          f"severity: no rule is named {show(name)}{did_you_mean(str(name), known)}")
    ignores = data.get("ignore")
    if isinstance(ignores, list):
        for i, item in enumerate(ignores):
            if isinstance(item, Mapping) and isinstance(item.get("rule"), str) and item["rule"] not in known | {"*"}:
                yield Hit(Where(file, ("ignore", i, "rule")), f"ignore: no rule is named {show(item['rule'])}"
                                 f"{did_you_mean(item['rule'], known)}")


def _all() -> tuple:
    from . import all_rules

    return all_rules()


@rule("account-id-format", Severity.ERROR,
      "Account IDs are quoted 12-digit strings (an unquoted ID is a YAML number).", family=FAMILY)
def account_id_format(ctx: LintContext) -> Iterator[Hit]:
    """
    YAML reads an unquoted `id: 012345670123` as an **octal** number, 1402433619, not as the
    account 012345670123; an unquoted `id: 333333333333` is a number that loses any leading
    zero the moment someone edits it. Either way the tool would match the wrong account.

    The same trap inside a policy document (`aws:PrincipalAccount: 012345670123` in a Condition,
    an account in a bootstrap template) is reported too: any unquoted 12-digit number.

    **Fix:** always quote account IDs: `id: "012345670123"`.
    """
    yield from _unquoted_ids_in_documents(ctx)
    for file in ctx.repo.files_of("account"):
        doc = ctx.repo.documents[file]
        if not doc.ok or not isinstance(doc.data, Mapping) or "id" not in doc.data:
            continue
        value = doc.data["id"]
        where = Where(file, ("id",))
        source = doc.int_scalars.get(("id",))
        if source is not None:
            digits = source.replace("_", "")
            if _OCTAL.match(source):
                yield Hit(where, f"id {source} is unquoted: YAML reads it as the octal number {value}, "
                                 f"not the account ID; write id: \"{digits}\"")
            else:
                yield Hit(where, f"id {source} is unquoted: YAML reads it as a number; "
                                 f"write id: \"{digits}\" (an unquoted ID with a leading zero becomes octal)")
        elif isinstance(value, float | bool) or value is None:
            yield Hit(where, f"id must be a quoted 12-digit string, e.g. id: \"333333333333\"; got {show(value)}")
        elif not isinstance(value, str) or not re.fullmatch(r"[0-9]{12}", value):
            yield Hit(where, f"id {show(value)} is not an account ID: exactly 12 digits, quoted, e.g. "
                             f"id: \"333333333333\"")


def _unquoted_ids_in_documents(ctx: LintContext) -> Iterator[Hit]:
    """Unquoted 12-digit numbers outside account files (SCP conditions, inline policies, templates)."""
    for file, kind in ctx.repo.kinds.items():
        doc = ctx.repo.documents[file]
        if kind in ("account", "config") or not doc.ok:  # account ids: below; config limits are numbers
            continue
        for path, source in doc.int_scalars.items():
            digits = source.lstrip("+-").replace("_", "")
            if len(digits) != 12 or not digits.isdigit():
                continue
            value = doc.get(path)
            if _OCTAL.match(source):
                why = f"YAML reads it as the octal number {value}, not the account ID {digits}"
            else:
                why = "YAML reads it as a number, not the account ID string"
            yield Hit(Where(file, path), f"{source} is unquoted: {why}; quote it: \"{digits}\"")


def _ref(ctx: LintContext, target: Target) -> str | None:
    """Why a target names nothing, or None when it exists."""
    model = ctx.model
    if model.target_exists(target):
        return None
    if target.kind == "ou":
        return f"no OU {target.name!r} (no folder accounts/{target.name}/){did_you_mean(target.name, model.ous)}"
    return (f"no account {target.name!r} (no file accounts/**/{target.name}.yaml)"
            f"{did_you_mean(target.name, model.accounts)}")


def _check_targets(ctx: LintContext, file: str, raw: object, path: tuple) -> Iterator[Hit]:
    if not isinstance(raw, list):
        return
    for i, text in enumerate(raw):
        target = Target.parse(text)
        if target is None:
            continue  # the schema reports the shape
        why = _ref(ctx, target)
        if why:
            yield Hit(Where(file, (*path, i)), f"target {text}: {why}")


def _org_refs(ctx: LintContext) -> Iterator[Hit]:
    org = ctx.model.organization
    if org is None:
        return
    accounts = ctx.model.accounts
    for key in ("management_account", "jit_account"):
        name = getattr(org, key)
        if name and name not in accounts:
            yield Hit(Where(org.file, (key,)),
                      f"{key}: no account {name!r} is declared under accounts/{did_you_mean(name, accounts)}")
    for i, glass in enumerate(org.break_glass):
        if glass.account and glass.account not in accounts:
            yield Hit(Where(org.file, ("break_glass", i, "account")),
                      f"break_glass: no account {glass.account!r} is declared{did_you_mean(glass.account, accounts)}")
    if org.alerts and org.alerts.account and org.alerts.account not in accounts:
        yield Hit(Where(org.file, ("alerts", "account")),
                  f"alerts: no account {org.alerts.account!r} is declared{did_you_mean(org.alerts.account, accounts)}")


@rule("unknown-reference", Severity.ERROR,
      "Every OU, account, role, group and SCP a file names is declared.", family=FAMILY)
def unknown_reference(ctx: LintContext) -> Iterator[Hit]:
    """
    Files refer to each other by name: SCP and role targets (`ou:Workloads/Prod`,
    `account:prod-app`), groups in role assignments (declared in `accounts/organization.yaml`
    under `groups`), the management, JIT, break-glass and alerts accounts, and the Sids that SCP
    `alerts` are keyed by. A typo would otherwise silently attach nothing or grant nothing. (The
    role and account a request names are checked by `request-not-eligible`.)

    **Fix:** correct the name, or declare what it names.
    """
    yield from _org_refs(ctx)
    model = ctx.model
    groups = set(model.organization.groups) if model.organization else None
    for role in model.roles.values():
        data = ctx.repo.documents[role.file].data
        raw_assignments = data.get("assignments") if isinstance(data, Mapping) else None
        for a in role.assignments:
            yield from _check_targets(ctx, role.file, raw_assignments[a.index].get("targets"),
                                      ("assignments", a.index, "targets"))
            if a.principal_type == "GROUP" and groups is not None and a.principal not in groups:
                yield Hit(Where(role.file, ("assignments", a.index, "group")),
                          f"group {a.principal!r} is not declared in accounts/organization.yaml groups"
                          f"{did_you_mean(a.principal, sorted(groups))}")
    for scp in model.scps.values():
        data = ctx.repo.documents[scp.file].data
        yield from _check_targets(ctx, scp.file, data.get("targets"), ("targets",))
        yield from _alert_sids(scp.file, data)


def _alert_sids(file: str, data: Mapping) -> Iterator[Hit]:
    alerts = data.get("alerts")
    policy = data.get("policy")
    if not isinstance(alerts, Mapping) or not isinstance(policy, Mapping):
        return
    statements = policy.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    # a statement whose Effect is not Allow may be meant as a Deny (`Effect: deny`: invalid-policy says so)
    deny_sids = {s.get("Sid") for s in statements
                 if isinstance(s, Mapping) and s.get("Effect") != "Allow" and isinstance(s.get("Sid"), str)}
    for sid in alerts:
        if sid not in deny_sids:
            yield Hit(Where(file, ("alerts", sid), key=True),
                      f"alerts: no Deny statement has Sid {sid!r}{did_you_mean(str(sid), sorted(deny_sids))}")


@rule("duplicate-name", Severity.ERROR,
      "Accounts, roles and SCPs have unique names; account IDs and emails are unique.", family=FAMILY)
def duplicate_name(ctx: LintContext) -> Iterator[Hit]:
    """
    Names are how files refer to each other, so each must mean one thing: an account name
    (its file name) appears once in the whole OU tree, a permission set name once
    (case-insensitively, as IAM role names are), an SCP name once. Two account files with the
    same `id` or `email` would fight over one live account.

    **Fix:** rename or remove one of the two; the message names the other file.
    """
    repo = ctx.repo
    seen: dict[tuple[str, str], str] = {}

    def once(kind: str, value: str, file: str, path: tuple, label: str) -> Iterator[Hit]:
        """Both sides are reported: the tool cannot know which of the two is the newcomer."""
        if not value:
            return
        first = seen.setdefault((kind, value), (file, path))
        if first[0] != file:
            yield Hit(Where(file, path), f"{label} is also used by {first[0]}")
            yield Hit(Where(first[0], first[1]), f"{label} is also used by {file}")

    for file in repo.files_of("account"):
        name = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        yield from once("account", name, file, (), f"account name {name!r}")
        data = repo.documents[file].data
        if isinstance(data, Mapping):
            account_id = data.get("id")
            account_id = repo.documents[file].int_scalars.get(("id",), account_id)
            yield from once("id", str(account_id) if account_id is not None else "", file, ("id",),
                            f"account id {account_id}")
            email = data.get("email")
            if isinstance(email, str):
                yield from once("email", email.lower(), file, ("email",), f"email {email}")
    for kind in ("role", "scp"):
        for file in repo.files_of(kind):
            data = repo.documents[file].data
            if isinstance(data, Mapping) and isinstance(data.get("name"), str):
                name = data["name"]
                key = name.lower() if kind == "role" else name
                label = "permission set name" if kind == "role" else "SCP name"
                yield from once(kind, key, file, ("name",), f"{label} {name!r}")


@rule("ou-too-deep", Severity.ERROR, "OUs nest at most 5 levels below the root (limits.max_ou_depth).",
      family=FAMILY)
def ou_too_deep(ctx: LintContext) -> Iterator[Hit]:
    """
    AWS Organizations allows an OU tree at most five levels deep below the root. The OU tree is
    the folder tree under `accounts/`, so a sixth level of folders cannot be created by apply.

    **Fix:** flatten the folder tree; use tags rather than nesting to classify accounts.
    """
    limit = ctx.limits.max_ou_depth
    for ou in ctx.model.ous.values():
        if ou.depth == limit + 1:  # report the first level too deep, not each one below it
            files = [f for f in ctx.repo.kinds if f.startswith(ou.folder + "/")]
            yield Hit(Where(files[0]), f"OU {ou.path} is {ou.depth} levels below the root; AWS allows {limit}")


RULES = (yaml_syntax, duplicate_key, schema, account_id_format, unknown_reference, duplicate_name, ou_too_deep)
