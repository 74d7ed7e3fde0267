"""Enumerations shared by the Avro schemas and the Python models.

Symbols are exactly the requirements' (000 §2.2, 002); each Avro enum declares a `default`
so a reader meets an unknown future symbol as that default instead of failing.
"""

from enum import StrEnum


class Layer(StrEnum):
    API = "api"
    SERVICE = "service"
    CORE = "core"
    INFRASTRUCTURE = "infrastructure"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class ErrorCategory(StrEnum):
    SYSTEM = "system"
    LOGIC = "logic"
    DATA = "data"
    EXTERNAL = "external"
    AGENT = "agent"
    USER = "user"
    PROCESS = "process"
    SECURITY = "security"
    PERFORMANCE = "performance"


class ErrorType(StrEnum):
    EXCEPTION = "exception"
    TIMEOUT = "timeout"
    VALIDATION = "validation"
    AUTHENTICATION = "authentication"
    AUTHORIZATION = "authorization"
    RESOURCE_EXHAUSTION = "resource_exhaustion"
    NETWORK = "network"
    DATABASE = "database"
    INTEGRATION = "integration"
    CONFIGURATION = "configuration"


class GroupStatus(StrEnum):
    NEW = "new"
    ONGOING = "ongoing"
    RESOLVED = "resolved"
    REGRESSED = "regressed"
