"""Files -> documents -> model. Tolerant: what is malformed is left to the rules to report.

The repository is found by its folders (accounts/, roles/, scps/). Each YAML file gets a
*kind* from where it sits; the schema rule validates it, and the builders here read what
they can so that later rules still see the rest of the organization.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import CONFIG_FILE, Config, config_from_data
from .files import outside_or_special, paused_gc
from .layout import KIND_DIRS, OU_FILE, YAML_SUFFIXES, classify, is_yaml
from .layout import ORGANIZATION_FILE as ORGANIZATION_FILE  # the name other modules import from here
from .loader import Document, load_file
from .model import (
    Account,
    AlertsConfig,
    Assignment,
    Boundary,
    BreakGlass,
    Jit,
    Model,
    Organization,
    Ou,
    Request,
    Role,
    Scp,
    Target,
    TicketsConfig,
    parse_duration,
)

WORKFLOWS_DIR = ".github/workflows"  # kind "workflow": no schema, the CI rules read them
BOOTSTRAP_DIR = "bootstrap"  # kind "bootstrap": CloudFormation templates (and bare policy documents)
BOOTSTRAP_SUFFIXES = (*YAML_SUFFIXES, ".json")
MODEL_KINDS = ("organization", "account", "ou", "role", "scp")  # what effective access is computed from


class RepositoryError(Exception):
    """The path is not a consolezero repository (the CLI exits 2)."""


@dataclass
class Repository:
    root: Path
    documents: dict[str, Document]
    kinds: dict[str, str]  # file -> organization | account | ou | role | scp | request | config | workflow | bootstrap
    model: Model
    config: Config

    def files_of(self, kind: str) -> list[str]:
        return [f for f, k in self.kinds.items() if k == kind]

    def content_digest(self) -> str:
        """SHA-256 of what the desired state is made of: every model, request and config file (name and text)."""
        import hashlib

        digest = hashlib.sha256()
        for file in sorted(f for f, k in self.kinds.items() if k in (*MODEL_KINDS, "request", "config")):
            data = self.documents[file].text.encode("utf-8", "surrogateescape")
            digest.update(file.encode("utf-8", "surrogateescape") + b"\0" + str(len(data)).encode() + b"\0" + data)
        return digest.hexdigest()

    def unparsed(self, kinds: tuple[str, ...] = MODEL_KINDS) -> list[str]:
        """Files of these kinds that did not parse: the model lacks what they declare."""
        return [f for f, k in self.kinds.items() if k in kinds and not self.documents[f].ok]


def _yaml_files(root: Path, top: str, suffixes: tuple[str, ...] = YAML_SUFFIXES) -> Iterator[str]:
    base = root / top
    if not base.is_dir() or outside_or_special(root, base) != "not a regular file (a folder)":
        return  # a top folder that is a link out of the repository is not walked
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = Path(folder).relative_to(root).as_posix()
        linked = [d for d in dirs if is_yaml(d, suffixes) and os.path.islink(os.path.join(folder, d))]
        for name in sorted(files + linked):  # a .yaml link to a folder is reported (not a regular file), not skipped
            if is_yaml(name, suffixes):
                yield f"{rel}/{name}"


def discover(root: Path) -> dict[str, str]:
    """Every YAML file of the repository with its kind, in a stable order."""
    kinds: dict[str, str] = {}
    for top in ("accounts", *KIND_DIRS):
        kinds.update(classify(_yaml_files(root, top)))
    for file in _yaml_files(root, WORKFLOWS_DIR):
        if file.count("/") == 2:  # GitHub reads only the folder itself, not its subfolders
            kinds[file] = "workflow"
    for file in _yaml_files(root, BOOTSTRAP_DIR, BOOTSTRAP_SUFFIXES):
        kinds[file] = "bootstrap"
    return kinds


def _stem(file: str) -> str:
    name = file.rsplit("/", 1)[-1]
    for suffix in YAML_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _str(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _tags(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _targets(value: Any) -> tuple[Target, ...]:
    parsed = (Target.parse(v) for v in (value if isinstance(value, list) else [value]))
    return tuple(t for t in parsed if t is not None)


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def build_organization(doc: Document) -> Organization | None:
    d = doc.data
    if not isinstance(d, Mapping):
        return None
    ic = d.get("identity_center") if isinstance(d.get("identity_center"), Mapping) else {}
    glass = tuple(
        BreakGlass(account=_str(b.get("account")), user=_str(b.get("user")), path=_str(b.get("path"), "/"),
                   mfa="any" if b.get("mfa") == "any" else "hardware")
        for b in d.get("break_glass") or [] if isinstance(b, Mapping)
    ) if isinstance(d.get("break_glass"), list) else ()
    alerts = d.get("alerts")
    tickets = d.get("tickets")
    timeout = tickets.get("timeout_seconds") if isinstance(tickets, Mapping) else None
    return Organization(
        file=doc.file,
        management_account=_str(d.get("management_account")),
        jit_account=_str(d.get("jit_account")),
        region=_str(ic.get("region"), "us-east-1"),
        instance_arn=ic.get("instance_arn") if isinstance(ic.get("instance_arn"), str) else None,
        groups=_strings(d.get("groups")),
        break_glass=glass,
        alerts=AlertsConfig(
            account=_str(alerts.get("account")), region=_str(alerts.get("region"), "us-east-1"),
            topic=_str(alerts.get("topic")), subscribers=_strings(alerts.get("subscribers")),
            regions=_strings(alerts.get("regions")),
        ) if isinstance(alerts, Mapping) else None,
        tickets=TicketsConfig(
            system=_str(tickets.get("system"), "jira"), url=_str(tickets.get("url")),
            done_categories=_strings(tickets.get("done_categories")) or ("done",),
            project_keys=_strings(tickets.get("project_keys")),
            timeout_seconds=float(timeout) if isinstance(timeout, int | float) and timeout > 0 else 10.0,
        ) if isinstance(tickets, Mapping) else None,
        tags=_tags(d.get("tags")),
    )


def _ou_path(file: str) -> str:
    """accounts/Workloads/Prod/prod-app.yaml -> Workloads/Prod."""
    parts = file.split("/")[1:-1]
    return "/".join(parts)


def build_account(doc: Document) -> Account | None:
    d = doc.data
    if not isinstance(d, Mapping):
        return None
    raw_id = d.get("id")
    # an unquoted id keeps its source text, so references still resolve; account-id-format reports it
    account_id = doc.int_scalars.get(("id",), raw_id) if not isinstance(raw_id, str) else raw_id
    return Account(
        name=_stem(doc.file), id=str(account_id) if account_id is not None else "", email=_str(d.get("email")),
        ou=_ou_path(doc.file), file=doc.file, tags=_tags(d.get("tags")), description=_str(d.get("description")),
    )


def _boundary(value: Any) -> Boundary | None:
    if not isinstance(value, Mapping):
        return None
    cm = value.get("customer_managed")
    policy = value.get("policy")
    return Boundary(
        managed=value.get("managed") if isinstance(value.get("managed"), str) else None,
        customer_managed=(_str(cm.get("name")), _str(cm.get("path"), "/")) if isinstance(cm, Mapping) else None,
        policy=policy if isinstance(policy, Mapping) else None,
    )


def _assignments(value: Any) -> tuple[Assignment, ...]:
    if not isinstance(value, list):
        return ()
    found = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            continue
        if isinstance(item.get("group"), str):
            kind, who = "GROUP", item["group"]
        elif isinstance(item.get("user"), str):
            kind, who = "USER", item["user"]
        else:
            continue
        found.append(Assignment(principal_type=kind, principal=who, targets=_targets(item.get("targets")), index=i))
    return tuple(found)


def _jit(value: Any) -> Jit | None:
    if not isinstance(value, Mapping):
        return None
    down = value.get("when_ticket_system_down")
    ticket = value.get("ticket")
    return Jit(
        max_duration=parse_duration(value.get("max_duration")),
        approvals=_int(value.get("approvals"), 0),
        approvers=_strings(value.get("approvers")),
        ticket=ticket if ticket in ("required", "optional", "none") else "none",
        fallback_approvals=_int(down.get("approvals"), 0) if isinstance(down, Mapping) else None,
    )


def build_role(doc: Document) -> Role | None:
    d = doc.data
    if not isinstance(d, Mapping):
        return None
    access = d.get("access")
    cmp = tuple(
        (_str(p.get("name")), _str(p.get("path"), "/"))
        for p in d.get("customer_managed_policies") or [] if isinstance(p, Mapping)
    ) if isinstance(d.get("customer_managed_policies"), list) else ()
    return Role(
        name=_str(d.get("name"), _stem(doc.file)),
        file=doc.file,
        access=access if access in ("standing", "jit") else "standing",
        session_duration=parse_duration(d.get("session_duration")),
        description=_str(d.get("description")),
        managed_policies=_strings(d.get("managed_policies")),
        customer_managed_policies=cmp,
        inline_policy=d.get("inline_policy") if isinstance(d.get("inline_policy"), Mapping) else None,
        boundary=_boundary(d.get("permissions_boundary")),
        assignments=_assignments(d.get("assignments")),
        jit=_jit(d.get("jit")),
        tags=_tags(d.get("tags")),
    )


def build_scp(doc: Document) -> Scp | None:
    d = doc.data
    if not isinstance(d, Mapping):
        return None
    alerts = d.get("alerts")
    return Scp(
        name=_str(d.get("name"), _stem(doc.file)),
        file=doc.file,
        targets=_targets(d.get("targets")),
        policy=d.get("policy") if isinstance(d.get("policy"), Mapping) else None,
        aws_managed=d.get("aws_managed") if isinstance(d.get("aws_managed"), str) else None,
        description=_str(d.get("description")),
        alerts={str(k): v for k, v in alerts.items() if isinstance(v, str)} if isinstance(alerts, Mapping) else {},
        tags=_tags(d.get("tags")),
    )


def build_request(doc: Document) -> Request | None:
    d = doc.data
    if not isinstance(d, Mapping):
        return None
    return Request(
        file=doc.file, user=_str(d.get("user")), github=_str(d.get("github")), role=_str(d.get("role")),
        account=_str(d.get("account")), duration=parse_duration(d.get("duration")),
        ticket=str(d.get("ticket")) if d.get("ticket") is not None else "", reason=_str(d.get("reason")),
        ticket_fallback=d.get("ticket_fallback") is True,
    )


def _ous(kinds: Mapping[str, str], documents: Mapping[str, Document]) -> dict[str, Ou]:
    """Every folder under accounts/ is an OU, whether or not it holds an _ou.yaml."""
    paths: set[str] = set()
    for file, kind in kinds.items():
        if kind in ("account", "ou"):
            path = _ou_path(file)
            while path:
                paths.add(path)
                path = path.rpartition("/")[0]
    ous = {}
    for path in sorted(paths):
        meta_file = f"accounts/{path}/{OU_FILE}"
        doc = documents.get(meta_file)
        data = doc.data if doc is not None and isinstance(doc.data, Mapping) else {}
        ous[path] = Ou(path=path, file=meta_file if doc is not None else None, folder=f"accounts/{path}",
                       tags=_tags(data.get("tags")), description=_str(data.get("description")))
    return ous


def build_model(kinds: Mapping[str, str], documents: Mapping[str, Document]) -> Model:
    organization = None
    accounts: dict[str, Account] = {}
    roles: dict[str, Role] = {}
    scps: dict[str, Scp] = {}
    requests: list[Request] = []
    for file, kind in kinds.items():
        doc = documents[file]
        if not doc.ok:
            if kind == "account":  # its name is its file name: keep it, so references do not cascade
                accounts.setdefault(_stem(file), Account(name=_stem(file), id="", email="", ou=_ou_path(file),
                                                         file=file))
            continue
        if kind == "organization":
            organization = build_organization(doc)
        elif kind == "account":
            account = build_account(doc)
            if account is not None:
                accounts.setdefault(account.name, account)  # duplicate-name reports the second
        elif kind == "role":
            role = build_role(doc)
            if role is not None:
                roles.setdefault(role.name, role)
        elif kind == "scp":
            scp = build_scp(doc)
            if scp is not None:
                scps.setdefault(scp.name, scp)
        elif kind == "request":
            request = build_request(doc)
            if request is not None:
                requests.append(request)
    return Model(organization=organization, ous=_ous(kinds, documents), accounts=accounts, roles=roles,
                 scps=scps, requests=tuple(requests))


def is_repository(root: Path) -> bool:
    return (root / "accounts").is_dir() or (root / "roles").is_dir() or (root / "scps").is_dir()


def load_config(root: Path) -> tuple[Config, Document | None]:
    if not os.path.lexists(root / CONFIG_FILE):  # a link or a FIFO is loaded, and refused, as a finding
        return Config(), None
    doc = load_file(root, CONFIG_FILE)
    return config_from_data(doc.data if doc.ok else None, CONFIG_FILE), doc


def load_repository(root: Path | str) -> Repository:
    """Read every file of the repository at ``root``. Raises RepositoryError if it is not one."""
    root = Path(root)
    if not root.is_dir():
        raise RepositoryError(f"{root}: {'not a directory' if root.exists() else 'no such directory'}")
    if not is_repository(root):  # a subfolder: the organization's root above it, as git finds its root
        from .layout import find_below, find_root

        found = find_root(root)
        if found is not None:
            return load_repository(found)
        above = next((p for p in root.resolve().parents if is_repository(p)), None)
        below = find_below(root)
        hint = f"; did you mean {above}?" if above is not None else f"; did you mean {below}?" if below else ""
        raise RepositoryError(f"{root}: not a consolezero repository (no accounts/, roles/ or scps/ folder){hint}")
    config, config_doc = load_config(root)
    kinds = discover(root)
    limits = config.limits
    with paused_gc():
        documents = {
            file: load_file(root, file, max_bytes=limits.max_file_bytes, max_nodes=limits.max_yaml_nodes)
            for file in kinds
        }
    return assemble(root, kinds, documents, config, config_doc)


def assemble(root: Path, kinds: dict[str, str], documents: dict[str, Document], config: Config,
             config_doc: Document | None) -> Repository:
    """The repository from its files already read (from the work tree, or from a git revision in memory)."""
    if config_doc is not None:
        documents[CONFIG_FILE] = config_doc
        kinds[CONFIG_FILE] = "config"
    return Repository(root=root, documents=documents, kinds=kinds, model=build_model(kinds, documents),
                      config=config)
