"""The timer heap on virtual time: timers run in (due, insertion) order and receive their own due time, a key
scheduled again replaces its timer, cancelled timers never run, and timers added while running run too."""

from __future__ import annotations

from emulator.engine.scheduler import Scheduler


def _recorder(log: list[tuple[str, float]], name: str):
    return lambda due: log.append((name, due))


def test_due_timers_run_in_time_order_then_insertion_order_each_with_its_own_due_time():
    scheduler = Scheduler()
    log: list[tuple[str, float]] = []
    scheduler.call_at(30.0, "c", _recorder(log, "c"))
    scheduler.call_at(10.0, "a", _recorder(log, "a"))
    scheduler.call_at(20.0, "b1", _recorder(log, "b1"))
    scheduler.call_at(20.0, "b2", _recorder(log, "b2"))
    assert scheduler.run_due(25.0) == 3
    assert log == [("a", 10.0), ("b1", 20.0), ("b2", 20.0)]
    assert scheduler.next_due() == 30.0 and len(scheduler) == 1


def test_nothing_runs_before_its_time_and_an_empty_scheduler_has_no_next_due():
    scheduler = Scheduler()
    assert scheduler.next_due() is None and scheduler.run_due(1e9) == 0
    scheduler.call_at(5.0, "later", _recorder([], "later"))
    assert scheduler.run_due(4.999) == 0 and scheduler.is_scheduled("later")


def test_scheduling_a_key_again_replaces_its_timer():
    scheduler = Scheduler()
    log: list[tuple[str, float]] = []
    scheduler.call_at(10.0, "batch_1", _recorder(log, "first"))
    scheduler.call_at(50.0, "batch_1", _recorder(log, "second"))
    assert scheduler.next_due() == 50.0 and len(scheduler) == 1
    scheduler.run_due(100.0)
    assert log == [("second", 50.0)]


def test_cancelled_timers_never_run():
    scheduler = Scheduler()
    log: list[tuple[str, float]] = []
    for key in ("batch_1:line", "batch_1:deadline", "batch_2:line"):
        scheduler.call_at(10.0, key, _recorder(log, key))
    scheduler.cancel("batch_2:line")
    scheduler.cancel_prefix("batch_1:")
    scheduler.cancel("never-scheduled")
    assert scheduler.next_due() is None and len(scheduler) == 0
    assert scheduler.run_due(100.0) == 0 and log == []


def test_a_timer_scheduled_by_a_running_timer_runs_in_the_same_call_when_due():
    scheduler = Scheduler()
    log: list[tuple[str, float]] = []

    def chain(due: float) -> None:
        log.append(("first", due))
        scheduler.call_at(due + 5, "next", _recorder(log, "next"))
        scheduler.call_at(due + 500, "far", _recorder(log, "far"))

    scheduler.call_at(10.0, "first", chain)
    assert scheduler.run_due(20.0) == 2
    assert log == [("first", 10.0), ("next", 15.0)]
    assert scheduler.next_due() == 510.0


def test_pop_due_hands_out_the_earliest_live_timer_without_running_it():
    scheduler = Scheduler()
    log: list[tuple[str, float]] = []
    scheduler.call_at(3.0, "x", _recorder(log, "x"))
    scheduler.call_at(1.0, "y", _recorder(log, "y"))
    item = scheduler.pop_due(2.0)
    assert item is not None and item[0] == 1.0 and log == []
    assert not scheduler.is_scheduled("y") and scheduler.pop_due(2.0) is None


def test_on_change_hears_of_every_new_timer_and_clear_drops_them_all():
    scheduler = Scheduler()
    changes: list[int] = []
    scheduler.on_change = lambda: changes.append(len(scheduler))
    scheduler.call_at(1.0, "a", _recorder([], "a"))
    scheduler.call_at(2.0, "b", _recorder([], "b"))
    assert changes == [1, 2]
    scheduler.clear()
    assert len(scheduler) == 0 and scheduler.next_due() is None
