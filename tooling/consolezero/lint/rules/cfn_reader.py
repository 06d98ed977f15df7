"""Reading CloudFormation templates under bootstrap/ for the CI rules: templates, roles, their
policies and trust policies, each value with the path that locates it in its file.

Templates are plain YAML or JSON, so intrinsics come in their long form: ``{"Fn::Sub": ...}`` is read
with each ``${Param}`` as a fixed value (what a parameter may be set to is the deployer's business),
``{"Ref": ...}`` likewise, and ``{"Fn::If": [c, a, b]}`` yields both branches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from consolezero.core.findings import Path

from ..context import LintContext

GITHUB_OIDC = "token.actions.githubusercontent.com"
_PARAM = "\u00ab{}\u00bb"  # stands for the value of ${Param}: fixed, no wildcard
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


# --- reading CloudFormation --------------------------------------------------------------------


def is_no_value(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("Ref") == "AWS::NoValue" and len(node) == 1


def expand(node: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    """The concrete alternatives of a node: both branches of each Fn::If, AWS::NoValue dropped."""
    if isinstance(node, Mapping) and len(node) == 1 and "Fn::If" in node:
        args = node["Fn::If"]
        if isinstance(args, list) and len(args) == 3:
            for i in (1, 2):
                yield from expand(args[i], (*path, "Fn::If", i))
            return
    if not is_no_value(node):
        yield node, path


def leaves(node: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    """Each value of a string-or-list field, through Fn::If and lists."""
    for value, vpath in expand(node, path):
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from leaves(item, (*vpath, i))
        elif value is not None:
            yield value, vpath


def pattern(node: Any) -> str | None:
    """A string value with intrinsics resolved; parameters and attributes stand as fixed values."""
    if isinstance(node, str):
        return node
    if isinstance(node, bool | int | float):
        return str(node)
    if not isinstance(node, Mapping) or len(node) != 1:
        return None
    (function, arg), = node.items()
    if function == "Ref" and isinstance(arg, str):
        return _PARAM.format(arg)
    if function == "Fn::Sub":
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1]) if (
            isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], Mapping)
        ) else (None, {})
        if text is None:
            return None

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            known = pattern(variables[name]) if name in variables else None
            return known if known is not None else _PARAM.format(name)

        return _SUB_VARIABLE.sub(value, text)
    if function == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        parts = [pattern(p) for p in arg[1]]
        return None if any(p is None for p in parts) or not isinstance(arg[0], str) else arg[0].join(parts)
    if function.startswith("Fn::"):
        return _PARAM.format(function)
    return None


def statements(document: Any, path: Path) -> Iterator[tuple[Mapping, Path]]:
    for doc, dpath in expand(document, path):
        if not isinstance(doc, Mapping):
            continue
        for statements, spath in expand(doc.get("Statement"), (*dpath, "Statement")):
            items = [(statements, spath)] if isinstance(statements, Mapping) else (
                [(s, (*spath, i)) for i, s in enumerate(statements)] if isinstance(statements, list) else [])
            for item, ipath in items:
                for statement, stpath in expand(item, ipath):
                    if isinstance(statement, Mapping):
                        yield statement, stpath


def allows(statement: Mapping) -> bool:
    return statement.get("Effect") == "Allow"


@dataclass
class Template:
    file: str
    data: Mapping
    resources: dict[str, Mapping] = field(default_factory=dict)
    parameters: Mapping = field(default_factory=dict)

    def of_type(self, *types: str) -> Iterator[tuple[str, Mapping, Mapping]]:
        for name, resource in self.resources.items():
            if resource.get("Type") in types:
                props = resource.get("Properties")
                yield name, resource, props if isinstance(props, Mapping) else {}


def templates(ctx: LintContext) -> Iterator[Template]:
    for file in ctx.repo.files_of("bootstrap"):
        doc = ctx.repo.documents[file]
        if not doc.ok or not isinstance(doc.data, Mapping):
            continue
        resources = doc.data.get("Resources")
        parameters = doc.data.get("Parameters")
        yield Template(
            file, doc.data,
            {str(k): v for k, v in resources.items() if isinstance(v, Mapping)} if isinstance(resources, Mapping)
            else {},
            parameters if isinstance(parameters, Mapping) else {},
        )


def ref_target(node: Any) -> str | None:
    """The logical ID a Ref or Fn::GetAtt points at."""
    if isinstance(node, Mapping) and len(node) == 1:
        (function, arg), = node.items()
        if function == "Ref" and isinstance(arg, str):
            return arg
        if function == "Fn::GetAtt":
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                return arg[0]
            if isinstance(arg, str):
                return arg.split(".")[0]
    return None


def is_github_principal(tpl: Template, federated: Any) -> bool:
    for leaf, _path in leaves(federated, ()):
        target = ref_target(leaf)
        if target is not None:
            resource = tpl.resources.get(target)
            if resource is not None and resource.get("Type") == "AWS::IAM::OIDCProvider":
                props = resource.get("Properties")
                url = pattern(props.get("Url")) if isinstance(props, Mapping) else None
                if url and GITHUB_OIDC in url:
                    return True
            parameter = tpl.parameters.get(target)
            if isinstance(parameter, Mapping):
                text = " ".join(str(parameter.get(k, "")) for k in ("Default", "AllowedPattern", "Description"))
                if GITHUB_OIDC in text.replace("\\", ""):
                    return True
            if "github" in target.lower():
                return True
        text = pattern(leaf)
        if text and GITHUB_OIDC in text:
            return True
    return False


def mentions_github_keys(condition: Any) -> bool:
    if isinstance(condition, Mapping):
        return any((isinstance(k, str) and k.lower().startswith(GITHUB_OIDC + ":")) or mentions_github_keys(v)
                   for k, v in condition.items())
    if isinstance(condition, list):
        return any(mentions_github_keys(v) for v in condition)
    return False


# --- roles, their policies, and which are "apply" ----------------------------------------------


@dataclass
class TemplatePolicy:
    label: str  # how the message names it
    document: Any
    path: Path
    roles: set[str] = field(default_factory=set)  # logical IDs of the roles it grants to


def role_names(tpl: Template) -> dict[str, str]:
    """RoleName (resolved) -> logical ID, to follow policies that name roles literally."""
    names = {}
    for logical, _res, props in tpl.of_type("AWS::IAM::Role"):
        name = pattern(props.get("RoleName"))
        if name:
            names[name] = logical
    return names


def template_policies(tpl: Template) -> list[TemplatePolicy]:
    """Every permission policy of the template with the roles it is attached to."""
    docs: list[TemplatePolicy] = []
    names = role_names(tpl)
    attached: dict[str, set[str]] = {}
    for logical, _res, props in tpl.of_type("AWS::IAM::Role"):
        for arn, _path in leaves(props.get("ManagedPolicyArns"), ()):
            target = ref_target(arn)
            if target:
                attached.setdefault(target, set()).add(logical)
        for policies, ppath in expand(props.get("Policies"), ("Resources", logical, "Properties", "Policies")):
            for i, policy in enumerate(policies if isinstance(policies, list) else []):
                for item, ipath in expand(policy, (*ppath, i)):
                    if isinstance(item, Mapping):
                        name = item.get("PolicyName") if isinstance(item.get("PolicyName"), str) else f"#{i + 1}"
                        docs.append(TemplatePolicy(f"role {logical} inline policy {name}", item.get("PolicyDocument"),
                                              (*ipath, "PolicyDocument"), {logical}))
    for logical, res, props in tpl.of_type("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
        roles = set(attached.get(logical, ()))
        for item, _path in leaves(props.get("Roles"), ()):
            target = ref_target(item) or names.get(pattern(item) or "")
            if target:
                roles.add(target)
        target = ref_target(props.get("RoleName")) or names.get(pattern(props.get("RoleName")) or "")
        if target:
            roles.add(target)
        kind = str(res.get("Type")).rsplit("::", 1)[-1]
        docs.append(TemplatePolicy(f"{kind} {logical}", props.get("PolicyDocument"),
                              ("Resources", logical, "Properties", "PolicyDocument"), roles))
    if "Statement" in tpl.data and not any("Principal" in s for s, _p in statements(tpl.data, ())):
        docs.append(TemplatePolicy(f"policy {tpl.file}", tpl.data, ()))
    return docs
