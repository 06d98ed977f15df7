"""fake_aws: an in-memory AWS port for the tests -- no HTTP, no boto3, deterministic, strict.

What it is. :class:`FakeAws` implements every method of
:class:`consolezero.integrations.aws.port.AwsPort` with the semantics :class:`BotoPort` promises (read
``integrations/aws/boto*.py``): idempotent attach/detach/delete, the same :class:`AwsError` codes,
complete (unpaginated) reads. Where AWS enforces a rule moto does not, the fake enforces it, because a
plan that passes here must pass against AWS:

- at least one SCP stays attached to every root, OU and account (ConstraintViolationException,
  reason MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED), at most ``max_attachments`` (10) directly attached;
- an SCP document over ``scp_max_chars`` characters (10,240, AWS's limit since 2026-05-15; pass 5,120
  for the older one) or not JSON is refused; SCP names are unique; AWS managed SCPs cannot be edited;
- AWS attaches FullAWSAccess (``p-FullAWSAccess``) to the root and to every new OU and account;
- OUs need an existing parent; moving an account needs its real source parent; a second account
  with an email already in use fails (EMAIL_ALREADY_EXISTS);
- permission sets: unique names, session duration PT1H..PT12H, AWS managed policies only by their
  real ARN (with its path), at most 10 of them, no deleting a set that is still assigned; an
  assignment needs an account of the organization and a principal of the identity store (else the
  request FAILS); assigning twice keeps one assignment;
- SNS email/http(s) subscriptions stay ``PendingConfirmation`` until :meth:`confirm_subscriptions`
  (moto confirms them at once); a StackSet name is taken once.

Asynchronous steps (account creation, provisioning, assignments) answer IN_PROGRESS for ``polls``
status calls, then SUCCEEDED; their effect happens when they succeed. Pass ``polls=0`` (the default) for
instant steps; apply's waiter sleeps between polls, so tests with ``polls > 0`` pass ``sleep``.
Permission sets are outdated (``accounts_for_permission_set(outdated_only=True)``) in every account they
are provisioned to (= assigned in) after any change to them, until provisioned again.

Ids look like AWS's and come from one counter: ``r-xxxx``, ``ou-xxxx-xxxxxxxx``, ``p-xxxxxxxx``,
12-digit account ids, ``arn:aws:sso:::permissionSet/ssoins-.../ps-...``. The management account is
``123456789012``, named ``master`` (as in moto) unless given.

Seeding (mirrors :mod:`consolezero.devtools.seed`; never through the port, as an identity provider or
an account's own admins would): :meth:`seed_organization`, :meth:`add_account`, :meth:`add_group`,
:meth:`add_user`, :meth:`seed_break_glass_user`, :meth:`enable_break_glass_mfa`, :meth:`seed_iam_users`,
and :func:`seed_repository` for a repository (its account ids rewritten). Out-of-band changes and
inspection go through the port's own methods (``update_scp``, ``detach_scp``, ``list_scps``,
``policy_content``, ``policies_for_target``, ...) plus the few helpers below where the port has none
(``parent_of``, ``ou_name``, IAM user edits, ``delete_group``, ``events``).

Where it lives. One class to its users, :class:`FakeAws` (:mod:`fake_aws.fake`), composes one mixin per AWS area
of the port, each a module of this package: :mod:`~fake_aws.organizations` (the tree, SCPs, account creation),
:mod:`~fake_aws.identity_center` (permission sets, provisioning, assignments), :mod:`~fake_aws.identity_store_iam`
(identity store and IAM census reads), :mod:`~fake_aws.alerts` (EventBridge, SNS, StackSets),
:mod:`~fake_aws.seeding` (seeding and out-of-band edits); :mod:`~fake_aws.state` holds the state they share, the
ids, the asynchronous requests and the inspection helpers; :mod:`~fake_aws.repository` holds :class:`FakeOrg` and
:func:`seed_repository`.
"""

from .fake import FakeAws
from .repository import FakeOrg, seed_repository

__all__ = ["FakeAws", "FakeOrg", "seed_repository"]
