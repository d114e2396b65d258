import datetime as dt

import pytest

from lo_server.errors import Invalid
from lo_server.services import notebooks


def test_times_are_iso_8601_and_utc_without_a_zone():
    assert notebooks.parse_time("2030-01-01T00:00:00") == \
        dt.datetime(2030, 1, 1, tzinfo=dt.UTC).timestamp()
    assert notebooks.parse_time("2030-01-01T01:00:00+01:00") == \
        notebooks.parse_time("2030-01-01T00:00:00Z")
    with pytest.raises(Invalid, match="ISO 8601"):
        notebooks.parse_time("next tuesday")


def test_cron_times():
    start = dt.datetime(2030, 1, 1, 10, 7, 30, tzinfo=dt.UTC).timestamp()
    assert notebooks.next_cron_time("*/15 * * * *", start) == \
        dt.datetime(2030, 1, 1, 10, 15, tzinfo=dt.UTC).timestamp()
    with pytest.raises(Invalid, match="cron"):
        notebooks.next_cron_time("every minute", start)
