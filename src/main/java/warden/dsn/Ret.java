package warden.dsn;

/** RFC 3461 section 4.3: how much of the message a failure report returns. */
public enum Ret { FULL, HDRS }
