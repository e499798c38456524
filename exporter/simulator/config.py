"""Settings of one simulator instance."""

from __future__ import annotations

from dataclasses import dataclass

CAUSEFLOW_LIST_KEYS = ("items", "incidents")
# Every spelling of the token in an auth answer that real servers have been seen to use.
TOKEN_KEYS = ("access_token", "accessToken", "token")


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything that shapes the fake APIs; the defaults suit a laptop demo."""

    seed: int = 1
    scopes: int = 5
    defects: int = 200
    incidents: int = 60
    client_id: str = "demo-client"
    client_secret: str = "demo-secret"
    causeflow_token: str = "demo-causeflow-token"
    token_ttl: float = 3600.0
    latency: float = 0.0
    churn_interval: float = 0.0
    max_page_size: int = 1000
    # SLOs in each scope; 0: one or two per baseline service (about 40 a scope).
    slos_per_scope: int = 0
    causeflow_list_key: str = "items"
    cursor_ttl: float = 600.0
    # How long news of a 429 may take to reach a client's other connections; see rate_limits.py.
    rate_limit_grace: float = 0.1
    # Operations answered as an older server does: "Cannot query field" (e.g. sloConnection).
    unsupported_operations: tuple[str, ...] = ()
    # Token faults of real auth servers: a token that dies after this many API requests
    # (0: never), and issuing a token revoking every token issued before it.
    token_max_uses: int = 0
    revoke_on_issue: bool = False
    # Which key the token exchange answers with.
    token_key: str = "access_token"
    # > 0: every API answer (GraphQL and CauseFlow) carries X-RateLimit-Limit / -Remaining /
    # -Reset for a window of this many requests a minute per target. Counted, not enforced
    # (a rate_limit fault sends the 429s).
    quota_per_minute: int = 0

    def __post_init__(self) -> None:
        # Fail at construction rather than with an odd HTTP answer much later.
        if self.scopes < 0 or self.defects < 0 or self.incidents < 0:
            raise ValueError("scopes, defects and incidents must not be negative")
        if self.defects > 0 and self.scopes == 0:
            raise ValueError("defects need at least one scope to live in")
        if not 0 <= self.slos_per_scope <= 100_000:
            raise ValueError("slos_per_scope must be between 0 and 100000")
        if self.max_page_size < 1:
            raise ValueError("max_page_size must be at least 1")
        if self.causeflow_list_key not in CAUSEFLOW_LIST_KEYS:
            raise ValueError(f"causeflow_list_key must be one of {CAUSEFLOW_LIST_KEYS}")
        if self.token_key not in TOKEN_KEYS:
            raise ValueError(f"token_key must be one of {TOKEN_KEYS}")
        if self.token_ttl <= 0 or self.cursor_ttl <= 0:
            raise ValueError("token_ttl and cursor_ttl must be positive")
        if self.quota_per_minute < 0:
            raise ValueError("quota_per_minute must not be negative")
        if self.token_max_uses < 0:
            raise ValueError("token_max_uses must not be negative")
        if self.latency < 0 or self.churn_interval < 0 or self.rate_limit_grace < 0:
            raise ValueError("latency, churn_interval and rate_limit_grace must not be negative")
