/**
 * Bogus bounces (seed 004's "Collateral spam"): bounces to addresses of ours that never send mail
 * are refused at RCPT, because they can only answer mail that forged one of our addresses.
 */
package warden.policy.bounce;
