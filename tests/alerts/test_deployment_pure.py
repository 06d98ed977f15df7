"""The alert plan from constructed live states: ownership, subscriptions, unreachable accounts (no AWS)."""

from __future__ import annotations

from consolezero.alerts.deployment import LiveAlerts, alert_changes, read_alerts
from consolezero.alerts.forwarding import BUS_NAME
from consolezero.core.repository import load_repository
from consolezero.integrations.aws.port import AwsError, LiveEventBus, LiveSubscription, LiveTopic
from consolezero.policy.catalog import load_catalog
from support import ROOT

MODEL = load_repository(ROOT).model
TOPIC = "arn:aws:sns:us-east-1:222222222222:guardrail-alerts"
OWNED = {"managed-by": "consolezero"}


def plan(live: LiveAlerts):
    return alert_changes(MODEL, live, load_catalog())


def test_nothing_live_creates_everything_in_order() -> None:
    changes, errors, warnings = plan(LiveAlerts(account_id="222222222222", region="us-east-1", org_id="o-x",
                                                root_id="r-x"))
    assert errors == [] and warnings == []
    kinds = [c.kind for c in sorted(changes, key=lambda c: c.phase)]
    assert kinds[:2] == ["alert_bus", "alert_topic"] and kinds.count("alert_rule") == 12
    bus = changes[0]
    assert '"aws:PrincipalOrgID": "o-x"' in bus.action.policy and bus.action.tags == OWNED


def test_an_unmanaged_bus_or_topic_is_a_name_clash() -> None:
    live = LiveAlerts(account_id="222222222222", region="us-east-1", org_id="o-x", root_id="r-x",
                      bus=LiveEventBus(BUS_NAME, "arn:bus"), topic=LiveTopic(TOPIC))
    _, errors, _ = plan(live)
    assert any("name clash" in e and "event bus" in e for e in errors)
    assert any("name clash" in e and "SNS topic guardrail-alerts" in e for e in errors)


def test_undeclared_email_is_removed_queue_left_alone_pending_warned() -> None:
    subs = (LiveSubscription("email", "cloud-security@example.com", TOPIC + ":1"),
            LiveSubscription("email", "old@example.com", TOPIC + ":2"),
            LiveSubscription("email", "new@example.com", "PendingConfirmation"),
            LiveSubscription("sqs", "arn:aws:sqs:us-east-1:222222222222:chat", TOPIC + ":3"))
    live = LiveAlerts(account_id="222222222222", region="us-east-1", org_id="o-x", root_id="r-x",
                      topic=LiveTopic(TOPIC, tags=OWNED, subscriptions=subs))
    changes, _, warnings = plan(live)
    subscriptions = [(c.op, c.name) for c in changes if c.kind == "alert_subscription"]
    assert subscriptions == [("delete", "email:old@example.com")]
    assert any("new@example.com" in w and "pending confirmation" in w for w in warnings)


class _Unreachable:
    def event_bus(self, *args: object) -> None:
        raise AwsError("AssumeRoleFailed", "cannot reach account 222222222222", "assume_role")


def test_an_unreachable_alerts_account_is_a_warning_and_the_rest_of_the_plan_goes_ahead() -> None:
    live = read_alerts(_Unreachable(), MODEL, "r-x")  # type: ignore[arg-type]
    assert live is not None and live.error
    changes, errors, warnings = plan(live)
    assert (changes, errors) == ([], [])
    assert warnings[0].startswith("the guardrail alerts are not planned: cannot read them in account 222222222222")
