"""The lost-race recogniser on git's exact words, and the jittered wait between attempts.

The texts marked "real git" were printed by git 2.39 pushing (``--porcelain``) to a bare
repository under contention: ten pushes at once, a held ``refs/heads/main.lock``, a push
after another writer, a lease on a stale sha. The hosted forms are as GitHub and GitLab print
them (their receive-pack puts the reason in the summary line), and as git 2.51+ words them.
"""

from __future__ import annotations

import random

import pytest

from pagerduty_actions.scm import push_race

TO = "To /tmp/remotes/repo.git\n"
DONE = "Done\nerror: failed to push some refs to '/tmp/remotes/repo.git'\n"

# real git: ten concurrent pushes to one bare repository, nine lost like this
REAL_LOCK_RACE = (
    TO + "!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)\n" + "Done\n"
    "remote: error: cannot lock ref 'refs/heads/main': is at "
    "c5d281a8d77efc03b742adcbde02d3c6b38a3b02 but expected "
    "aab9f452a104f2d9c3e0cdd5d1a8028461783166        \n"
    "error: failed to push some refs to '/tmp/remotes/repo.git'\n"
)
# real git: refs/heads/main.lock held by another process while we push
REAL_LOCK_FILE = (
    TO + "!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)\n" + "Done\n"
    "remote: error: cannot lock ref 'refs/heads/main': Unable to create "
    "'/tmp/remotes/repo.git/./refs/heads/main.lock': File exists.        \n"
    "remote: \n"
    "remote: Another git process seems to be running in this repository, e.g.        \n"
    "error: failed to push some refs to '/tmp/remotes/repo.git'\n"
)
# real git: the branch moved before we pushed (we had not fetched it)
REAL_FETCH_FIRST = (
    TO + "!\tHEAD:refs/heads/main\t[rejected] (fetch first)\n" + DONE + "hint: Updates were "
    "rejected because the remote contains work that you do\nhint: not have locally.\n"
)
# real git: the branch moved and we had fetched the older tip
REAL_NON_FF = TO + "!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)\n" + DONE
# real git: --force-with-lease on a sha the branch is no longer at
REAL_STALE = TO + "!\tHEAD:refs/heads/pagerduty/x\t[rejected] (stale info)\n" + DONE
# real git: creating a branch whose name is a folder of an existing one (not a race)
REAL_NAME_CLASH = (
    TO + "!\tHEAD:refs/heads/pagerduty/x/y\t[remote rejected] (failed to update ref)\n"
    "Done\nremote: error: cannot lock ref 'refs/heads/pagerduty/x/y': "
    "'refs/heads/pagerduty/x' exists; cannot create 'refs/heads/pagerduty/x/y'        \n"
    "error: failed to push some refs to '/tmp/remotes/repo.git'\n"
)

HOSTED_RACES = [
    # GitHub: the reason in the summary line itself
    "To https://github.com/acme/payments.git\n ! [remote rejected] HEAD -> main (cannot lock "
    "ref 'refs/heads/main': is at 98bf7e54a615d7e23cbcf8688d22c4099a1d2240 but expected "
    "00da1b358846ae9a8ffa71b34eb1e330e3a37e3d)\nerror: failed to push some refs to "
    "'https://github.com/acme/payments.git'\n",
    "To https://github.com/acme/payments.git\n ! [remote rejected] pagerduty/x -> pagerduty/x "
    "(cannot lock ref 'refs/heads/pagerduty/x': reference already exists)\n",
    " ! [remote rejected] HEAD -> main (incorrect old value provided)\n",
    " ! [rejected]        HEAD -> pagerduty/x (stale info)\n",
    " ! [rejected]        HEAD -> main (fetch first)\n",
    # GitLab: same receive-pack, same words, with its own remote lines around them
    "remote: \nTo https://gitlab.example.com/group/svc.git\n ! [remote rejected] HEAD -> main "
    "(cannot lock ref 'refs/heads/main': is at 0123456789abcdef0123456789abcdef01234567 but "
    "expected 89abcdef0123456789abcdef0123456789abcdef)\n",
    # git 2.51+ receive-pack
    "!\tHEAD:refs/heads/main\t[remote rejected] (reference already exists)\n",
    "!\tHEAD:refs/heads/pagerduty/x\t[remote rejected] (reference does not exist)\n",
    "!\tHEAD:refs/heads/main\t[remote rejected] (failed to update refs)\n",
    "!\tHEAD:refs/heads/main\t[remote rejected] (failed to lock)\n",
]

NOT_RACES = [
    REAL_NAME_CLASH,
    " ! [remote rejected] HEAD -> main (pre-receive hook declined)\n",
    " ! [remote rejected] main -> main (protected branch hook declined)\n",
    "remote: error: GH006: Protected branch update failed for refs/heads/main.\n"
    " ! [remote rejected] HEAD -> main (protected branch hook declined)\n",
    "remote: GitLab: You are not allowed to push code to protected branches on this project.\n"
    " ! [remote rejected] HEAD -> main (pre-receive hook declined)\n",
    " ! [remote rejected] HEAD -> main (shallow update not allowed)\n",
    "fatal: unable to access 'https://github.com/acme/payments.git/': Could not resolve host\n",
    "remote: Permission to acme/payments.git denied to bot.\nfatal: unable to access\n",
]


@pytest.mark.parametrize(
    "text",
    [REAL_LOCK_RACE, REAL_LOCK_FILE, REAL_FETCH_FIRST, REAL_NON_FF, REAL_STALE, *HOSTED_RACES],
)
def test_every_wording_of_a_lost_race_is_recognised(text: str) -> None:
    assert push_race.is_lost_race(text)


@pytest.mark.parametrize("text", NOT_RACES)
def test_refusals_that_retrying_cannot_fix_are_not_races(text: str) -> None:
    assert not push_race.is_lost_race(text)


def test_a_branch_name_clash_names_both_branches() -> None:
    assert push_race.branch_name_clash(REAL_NAME_CLASH) == (
        "refs/heads/pagerduty/x",
        "refs/heads/pagerduty/x/y",
    )
    assert push_race.branch_name_clash(REAL_LOCK_RACE) is None


def test_backoff_is_jittered_under_a_growing_cap() -> None:
    rng = random.Random(7)
    for attempt in range(1, 12):
        ceiling = min(push_race.BACKOFF_CAP_S, push_race.BACKOFF_BASE_S * 2 ** (attempt - 1))
        delays = [push_race.backoff_delay(attempt, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 150  # spread out, not in step
    assert push_race.backoff_delay(30, rng) <= push_race.BACKOFF_CAP_S
