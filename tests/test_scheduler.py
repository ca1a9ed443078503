from datetime import datetime, time

import pytest

from agent.run.scheduler import Scheduler, next_run, parse_at, parse_days
from tools.errors import ConfigError, SourceError


def test_parsing():
    assert parse_at("09:30") == time(9, 30)
    assert parse_days("mon-fri") == {0, 1, 2, 3, 4}
    assert parse_days("sat-mon") == {5, 6, 0}
    assert parse_days("daily") == set(range(7))
    for bad in ("9h", "25:00"):
        with pytest.raises(ConfigError):
            parse_at(bad)
    with pytest.raises(ConfigError):
        parse_days("weekends")


def test_next_run_skips_to_the_next_allowed_day():
    fri_evening = datetime(2026, 11, 20, 18, 0)  # a Friday
    assert next_run(fri_evening, time(9, 0), {0, 1, 2, 3, 4}) == datetime(2026, 11, 23, 9, 0)
    mon_early = datetime(2026, 11, 23, 8, 59)
    assert next_run(mon_early, time(9, 0), {0}) == datetime(2026, 11, 23, 9, 0)
    assert next_run(datetime(2026, 11, 23, 9, 0), time(9, 0), {0, 1}) == datetime(2026, 11, 24, 9, 0)


def test_scheduler_runs_at_the_times_and_survives_a_failed_run():
    clock = {"now": datetime(2026, 11, 20, 18, 0)}
    ran_at = []

    def sleep(seconds):
        from datetime import timedelta

        clock["now"] += timedelta(seconds=seconds)

    def job():
        ran_at.append(clock["now"])
        if len(ran_at) == 1:
            raise SourceError("arXiv is unreachable")

    messages = []
    runs = Scheduler(job, time(9, 0), {0, 1, 2, 3, 4}, now=lambda: clock["now"], sleep=sleep, announce=messages.append).run(max_runs=3)
    assert runs == 3
    assert ran_at == [datetime(2026, 11, 23, 9, 0), datetime(2026, 11, 24, 9, 0), datetime(2026, 11, 25, 9, 0)]
    assert any("run failed: arXiv is unreachable" in m for m in messages)
