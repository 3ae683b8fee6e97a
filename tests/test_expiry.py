from datetime import UTC, datetime, timedelta

from cwos_tui.cloud.expiry import Urgency, countdown, nearest, urgency

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)


def at(**kw) -> datetime:
    return NOW + timedelta(**kw)


def test_countdown_text():
    assert countdown(None, NOW) == "never"
    assert countdown(at(seconds=-1), NOW) == "expired"
    assert countdown(NOW, NOW) == "expired"
    assert countdown(at(seconds=45), NOW) == "45s"
    assert countdown(at(minutes=9, seconds=5), NOW) == "9m 05s"
    assert countdown(at(hours=3, minutes=7), NOW) == "3h 07m"
    assert countdown(at(days=12, hours=4), NOW) == "12d 4h"


def test_urgency_thresholds():
    assert urgency(None, NOW) is Urgency.NONE
    assert urgency(at(minutes=10), NOW) is Urgency.OK
    assert urgency(at(minutes=9, seconds=59), NOW) is Urgency.AMBER
    assert urgency(at(minutes=2), NOW) is Urgency.AMBER
    assert urgency(at(minutes=1, seconds=59), NOW) is Urgency.RED
    assert urgency(at(seconds=0), NOW) is Urgency.EXPIRED


def test_nearest_ignores_permanent_credentials():
    assert nearest([None, None]) is None
    assert nearest([None, at(hours=1), at(minutes=5)]) == at(minutes=5)
