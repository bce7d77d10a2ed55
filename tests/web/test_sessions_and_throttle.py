"""Server-side sessions and the login throttle, over the real server.

Clients bind distinct loopback addresses (127.0.0.x) so the server sees different client
addresses, as it would for an attacker elsewhere and the owner at their usual place."""

from __future__ import annotations

import httpx

from mercato.core.scopes import Role
from mercato.web.throttle import MAX_WAIT_S, LoginThrottle
from tests.support.brands import PASSWORD, Brand
from tests.support.server import csrf_in, csrf_of, login


def _client(base: str, address: str = "127.0.0.1") -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, transport=transport, follow_redirects=False)


def _attempt(client: httpx.Client, email: str, password: str) -> httpx.Response:
    csrf = csrf_in(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf})


def test_a_cookie_captured_before_logout_is_refused(brand: Brand, live_server: str) -> None:
    with _client(live_server) as owner, _client(live_server) as thief:
        login(owner, brand.email(), PASSWORD)
        thief.cookies.update(owner.cookies)  # the cookie, copied before logout
        assert thief.get("/api/v1/me").status_code == 200
        logout = owner.post("/logout", data={"csrf_token": csrf_of(owner)})
        assert logout.status_code == 303
        assert thief.get("/api/v1/me").status_code == 401
        page = thief.get("/")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login")


def test_a_password_change_ends_every_session(brand: Brand, live_server: str) -> None:
    email = brand.email(Role.ANALYST)
    with _client(live_server) as laptop, _client(live_server) as phone:
        login(laptop, email, PASSWORD)
        login(phone, email, PASSWORD)
        changed = laptop.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": "a brand new passphrase",
                "csrf_token": csrf_of(laptop),
            },
        )
        assert changed.status_code == 303
        assert phone.get("/api/v1/me").status_code == 401
        assert laptop.get("/api/v1/me").status_code == 401
    with _client(live_server) as again:
        assert _attempt(again, email, PASSWORD).status_code == 401
        login(again, email, "a brand new passphrase")
        assert again.get("/api/v1/me").status_code == 200


def test_a_wrong_current_password_changes_nothing(brand: Brand, live_server: str) -> None:
    with _client(live_server) as client:
        login(client, brand.email(), PASSWORD)
        refused = client.post(
            "/account/password",
            data={
                "current_password": "nope",
                "new_password": "x" * 12,
                "csrf_token": csrf_of(client),
            },
        )
        assert refused.status_code == 403
        assert client.get("/api/v1/me").status_code == 200


def test_an_attack_elsewhere_does_not_lock_the_owner_out(brand: Brand, live_server: str) -> None:
    email = brand.email()
    with _client(live_server, "127.0.0.2") as usual:
        login(usual, email, PASSWORD)  # the owner's usual place
    statuses = []
    for n in range(12):  # an attacker guessing the owner's password from two addresses
        with _client(live_server, f"127.0.0.{3 + n % 2}") as attacker:
            statuses.append(_attempt(attacker, email, f"guess-{n}").status_code)
    assert statuses[:6] == [401] * 6
    assert 429 in statuses[6:]
    with _client(live_server, "127.0.0.5") as stranger:  # a new place waits out the back-off
        assert _attempt(stranger, email, PASSWORD).status_code == 429
    with _client(live_server, "127.0.0.2") as usual:
        assert _attempt(usual, email, PASSWORD).status_code == 303


def test_one_client_trying_many_emails_is_slowed(brand: Brand, live_server: str) -> None:
    statuses = []
    with _client(live_server, "127.0.0.6") as sprayer:
        for n in range(30):
            statuses.append(_attempt(sprayer, f"user{n}@acme.example", "Summer2026!").status_code)
        refused = _attempt(sprayer, brand.email(), PASSWORD)  # even a right guess now waits
    assert statuses[:10] == [401] * 10
    assert statuses.count(429) >= 15
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    with _client(live_server, "127.0.0.7") as elsewhere:  # other clients are not affected
        assert _attempt(elsewhere, brand.email(), PASSWORD).status_code == 303


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_back_off_doubles_then_caps_and_is_forgotten() -> None:
    clock = _Clock()
    throttle = LoginThrottle(free_per_client=2, free_per_account=100, clock=clock)
    waits = []
    for _ in range(14):
        throttle.failed("a@x.example", "198.51.100.7")
        waits.append(throttle.retry_after("b@x.example", "198.51.100.7"))
    assert waits[:2] == [None, None]
    assert waits[2:7] == [1, 2, 4, 8, 16]
    assert waits[-1] == MAX_WAIT_S
    clock.now += 16 * 60  # fifteen quiet minutes after the last failure
    assert throttle.retry_after("b@x.example", "198.51.100.7") is None


def test_throttle_state_stays_bounded() -> None:
    throttle = LoginThrottle(max_entries=100, clock=_Clock())
    for n in range(5000):
        throttle.failed(f"user{n}@x.example", f"203.0.113.{n % 250}:{n}")
        throttle.succeeded(f"user{n}@x.example", f"198.51.100.{n % 250}")
    assert throttle.size() <= 300
