"""Login lockout (等保 2.0 level 3): LOCKOUT_FAILURES failed sign-ins with one user name, or
LOCKOUT_ADDRESS_FAILURES from one source address, within LOCKOUT_MINUTES lock that name or that
address for LOCKOUT_MINUTES.

accounts.forms.LoginForm asks `is_locked` before it checks the password, so while locked even the
right password is refused, with the same message whether or not the account exists. Each failure
is a row inserted in LoginFailure and then counted in the window (no read-modify-write, so
concurrent attempts all count). A lock is a LoginLock row per key, taken by one conditional
upsert: only the attempt that actually starts the lock gets a row back, so the lock is audited
exactly once however many attempts race. Failures before a lock ended (expired or unlocked) no
longer count; a successful sign-in clears the account's failures. `purge` (a nightly job,
accounts.tasks) deletes what no longer matters.
"""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from . import audit
from .models import AuditAction, AuditOutcome, LockKind, LoginFailure, LoginLock, User

USERNAME_LENGTH = LoginFailure._meta.get_field("username").max_length


def _name(username) -> str:
    return str(username or "").strip().lower()[:USERNAME_LENGTH]


def _window():
    return datetime.timedelta(minutes=settings.LOCKOUT_MINUTES)


def _thresholds() -> dict:
    return {LockKind.USERNAME: settings.LOCKOUT_FAILURES, LockKind.ADDRESS: settings.LOCKOUT_ADDRESS_FAILURES}


def _keys(request, username) -> dict:
    """{kind: key} for the locks that apply to this attempt (a lock switched off has none)."""
    keys = {LockKind.USERNAME: _name(username), LockKind.ADDRESS: audit.client_address(request)}
    return {kind: key for kind, key in keys.items() if key and _thresholds()[kind] > 0}


def _matching(keys: dict) -> Q:
    query = Q(pk__in=[])
    for kind, key in keys.items():
        query |= Q(kind=kind, key=key)
    return query


def is_locked(request, username) -> bool:
    """Whether this user name or this address is locked now (one query)."""
    keys = _keys(request, username)
    return bool(keys) and LoginLock.objects.active().filter(_matching(keys)).exists()


def _take(kind, key, now, failures) -> bool:
    """Locks the key unless it is locked already; True when this call started the lock."""
    table = LoginLock._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (kind, key, locked_at, locked_until, failures) VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (kind, key) DO UPDATE
                SET locked_at = EXCLUDED.locked_at, locked_until = EXCLUDED.locked_until,
                    failures = EXCLUDED.failures
                WHERE {table}.locked_until <= EXCLUDED.locked_at
            RETURNING id
            """,  # noqa: S608 - the table name is the model's, never input  # nosec B608
            [kind, key, now, now + _window(), failures],
        )
        return cursor.fetchone() is not None


def record_failure(request, username) -> bool:
    """Counts a failed sign-in; locks (and audits) what reached its limit. Returns whether the
    attempt's name or address is locked now."""
    keys = _keys(request, username)
    if not keys:
        return False
    LoginFailure.objects.create(username=keys.get(LockKind.USERNAME, ""), address=keys.get(LockKind.ADDRESS))
    now = timezone.now()
    window_start = now - _window()
    locks = {(lock.kind, lock.key): lock for lock in LoginLock.objects.filter(_matching(keys))}
    if any(lock.locked_until > now for lock in locks.values()):
        return True  # a concurrent attempt locked it meanwhile
    fields = {LockKind.USERNAME: "username", LockKind.ADDRESS: "address"}
    counts = {}
    for kind, key in keys.items():
        lock = locks.get((kind, key))
        since = max(window_start, lock.locked_until) if lock else window_start
        counts[kind] = Count("pk", filter=Q(**{fields[kind]: key, "at__gt": since}))
    numbers = LoginFailure.objects.filter(at__gt=window_start).aggregate(**counts)
    started = [
        {"kind": kind, "key": keys[kind], "failures": numbers[kind]}
        for kind in keys
        if numbers[kind] >= _thresholds()[kind] and _take(kind, keys[kind], now, numbers[kind])
    ]
    if started:
        audit.record(
            request,
            AuditAction.LOCKOUT,
            outcome=AuditOutcome.FAILURE,
            user=None,
            username=keys.get(LockKind.USERNAME, ""),
            locked=started,
            minutes=settings.LOCKOUT_MINUTES,
        )
    return any(numbers[kind] >= _thresholds()[kind] for kind in keys)


def record_success(username) -> None:
    """A successful sign-in: the account's failures stop counting for the account (they still
    count for the address they came from)."""
    name = _name(username)
    if name:
        LoginFailure.objects.filter(username=name).update(username="")


def on_logged_in(sender, request, user, **kwargs):
    """Connected to user_logged_in (AccountsConfig.ready): the sign-in is complete."""
    record_success(user.get_username())


def unlock(request, lock: LoginLock) -> list[LoginLock]:
    """Ends the lock now, audited. Unlocking an account also ends the locks on the addresses its
    failures came from in the window (one person's mistyping locks both), so the user can sign
    in. Returns the locks ended (none when it had already ended)."""
    now = timezone.now()
    locks = [lock]
    if lock.kind == LockKind.USERNAME:
        addresses = set(
            LoginFailure.objects.filter(username=lock.key, at__gte=lock.locked_at - _window()).values_list(
                "address", flat=True
            )
        )
        locks += list(LoginLock.objects.active(now).filter(kind=LockKind.ADDRESS, key__in=addresses - {None}))
    with transaction.atomic():
        ended = [
            each
            for each in locks
            if LoginLock.objects.active(now).filter(pk=each.pk).update(locked_until=now, failures=0)
        ]
        if ended:
            account = User.objects.filter(username__iexact=lock.key).first() if lock.kind == LockKind.USERNAME else None
            audit.record(
                request,
                AuditAction.UNLOCK,
                obj=account,
                unlocked=[{"kind": each.kind, "key": each.key} for each in ended],
            )
    return ended


def purge(now=None) -> int:
    """Deletes failures older than the window and locks that ended longer ago than that."""
    cutoff = (now or timezone.now()) - _window()
    failures, _ = LoginFailure.objects.filter(at__lt=cutoff).delete()
    locks, _ = LoginLock.objects.filter(locked_until__lt=cutoff).delete()
    return failures + locks
