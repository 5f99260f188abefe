package warden.dsn;

/** RFC 3461 section 4.1: the {@code NOTIFY} values of one recipient. NEVER excludes the others. */
public enum Notify { NEVER, SUCCESS, FAILURE, DELAY }
