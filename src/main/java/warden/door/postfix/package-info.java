/**
 * Postfix's SMTPD access policy delegation protocol ({@code check_policy_service}) in front of
 * Warden's engine.
 */
package warden.door.postfix;
