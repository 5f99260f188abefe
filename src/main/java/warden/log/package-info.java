/**
 * The administrator's main log: one line per event (arrival {@code <=}, delivery {@code =>},
 * rejection with client, HELO, sender, recipient and reason), in a stable format after Exim's
 * mainlog. Diagnostics for developers go through SLF4J instead.
 */
package warden.log;
