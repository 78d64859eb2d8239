"""pa_core: accounts, authentication, authorisation and the data of an SMS-first assistant.

Framework-agnostic: services are plain classes taking their stores, clock and
settings. The main objects are re-exported here (``from pa_core import
AccountService``); backends that need an optional extra (``pa_core.kv.redis``,
``pa_core.sessions.redis``, ...) or a database driver are imported from their own
modules, so ``import pa_core`` works without the extras.
"""

__version__ = "0.1.0"

from pa_core.accounts import (
    AccountLimits,
    AccountService,
    AccountTimes,
    LoginResult,
    MfaChallenge,
    TokenPair,
)
from pa_core.audit import (
    AuditContext,
    AuditEvent,
    AuditFilter,
    AuditLog,
    AuditRecorder,
    MemoryAuditLog,
    Outcome,
)
from pa_core.auth import Authenticator, Principal
from pa_core.clock import Clock, FrozenClock, SystemClock
from pa_core.config import Settings
from pa_core.conversations import (
    Conversation,
    ConversationRepository,
    ConversationService,
    MemoryConversationRepository,
    MemoryMessageBroker,
    Message,
    MessageBroker,
)
from pa_core.database import Database
from pa_core.email import (
    ConsoleEmailSender,
    EmailMessage,
    EmailSender,
    MailDispatcher,
    MemoryOutbox,
    SmtpEmailSender,
)
from pa_core.errors import (
    AccountDisabled,
    AuthenticationFailed,
    Conflict,
    EmailNotVerified,
    EmailTaken,
    Forbidden,
    ImproperlyConfigured,
    InvalidCredentials,
    InvalidInput,
    InvalidMfaCode,
    InvalidOneTimeToken,
    InvalidPassword,
    InvalidToken,
    LastAdministrator,
    MalformedRequest,
    NotAuthenticated,
    NotFound,
    PAError,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
    TokenExpired,
    TokenReused,
    ValidationFailed,
    WeakPassword,
)
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_core.mfa import MfaGate, MfaService, MfaStatus, SmsCodeService, TotpService
from pa_core.pagination import Page, PageRequest
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.preferences import (
    MemoryPreferencesRepository,
    Preferences,
    PreferencesRepository,
    PreferencesService,
)
from pa_core.profiles import UserProfileService
from pa_core.ratelimit import FailureBackoff, RateLimit, RateLimiter
from pa_core.rbac import (
    MemoryRoleStore,
    PermissionService,
    Registry,
    RoleAdministration,
    RoleStore,
    default_registry,
    requires,
)
from pa_core.refresh_tokens import MemoryRefreshTokenStore, RefreshTokenService, RefreshTokenStore
from pa_core.sessions import MemorySessionStore, Session, SessionService, SessionStore, SessionWatch
from pa_core.tokens import KeySet, SigningKey, TokenPurpose, TokenService
from pa_core.users import MemoryUserRepository, User, UserRepository

__all__ = [
    "AccountDisabled",
    "AccountLimits",
    "AccountService",
    "AccountTimes",
    "AuditContext",
    "AuditEvent",
    "AuditFilter",
    "AuditLog",
    "AuditRecorder",
    "AuthenticationFailed",
    "Authenticator",
    "Clock",
    "Conflict",
    "ConsoleEmailSender",
    "Conversation",
    "ConversationRepository",
    "ConversationService",
    "Database",
    "EmailMessage",
    "EmailNotVerified",
    "EmailSender",
    "EmailTaken",
    "FailureBackoff",
    "Forbidden",
    "FrozenClock",
    "ImproperlyConfigured",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidMfaCode",
    "InvalidOneTimeToken",
    "InvalidPassword",
    "InvalidToken",
    "KeySet",
    "KeyValueStore",
    "LastAdministrator",
    "LoginResult",
    "MailDispatcher",
    "MalformedRequest",
    "MemoryAuditLog",
    "MemoryConversationRepository",
    "MemoryKeyValueStore",
    "MemoryMessageBroker",
    "MemoryOutbox",
    "MemoryPreferencesRepository",
    "MemoryRefreshTokenStore",
    "MemoryRoleStore",
    "MemorySessionStore",
    "MemoryUserRepository",
    "Message",
    "MessageBroker",
    "MfaChallenge",
    "MfaGate",
    "MfaService",
    "MfaStatus",
    "NotAuthenticated",
    "NotFound",
    "Outcome",
    "PAError",
    "Page",
    "PageRequest",
    "PasswordHasher",
    "PasswordPolicy",
    "PayloadTooLarge",
    "PermissionDenied",
    "PermissionService",
    "Preferences",
    "PreferencesRepository",
    "PreferencesService",
    "Principal",
    "RateLimit",
    "RateLimited",
    "RateLimiter",
    "RefreshTokenService",
    "RefreshTokenStore",
    "Registry",
    "RoleAdministration",
    "RoleStore",
    "ServiceUnavailable",
    "Session",
    "SessionService",
    "SessionStore",
    "SessionWatch",
    "Settings",
    "SigningKey",
    "SmsCodeService",
    "SmtpEmailSender",
    "SystemClock",
    "TokenExpired",
    "TokenPair",
    "TokenPurpose",
    "TokenReused",
    "TokenService",
    "TotpService",
    "User",
    "UserProfileService",
    "UserRepository",
    "ValidationFailed",
    "WeakPassword",
    "__version__",
    "default_registry",
    "requires",
]
