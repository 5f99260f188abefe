package warden.door;

import warden.greylist.GreylistSettings;
import warden.greylist.GreylistStore;
import warden.policy.PolicyEngine;

import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the front doors ask: the engine built from the configuration, as {@code serve} uses it, in
 * the variants a door needs. Made by {@code Components.doorEngines()}.
 *
 * <p>In report mode ({@code policy.mode: report}) the engines here enforce, so that a door can
 * log exactly what it would have answered, while the door itself answers as if everything
 * passed ({@code DUNNO}, {@code white}); {@link #report()} tells it to. The greylist is recorded
 * in report mode too (the MTA behind the door may still defer by itself, and its retries then show
 * what Warden would have let through).
 *
 * @param engine the whole engine (HELO and client checks, DNS lists, bogus bounces, greylist),
 *               recording greylist triplets
 * @param peek the whole engine, only looking at the greylist (greylistd's {@code check} verb):
 *             nothing is recorded
 * @param greylistOnly greylisting alone, with the same exemptions (postgrey's job:
 *                     {@code doors.postfix.answer: greylist}); recording
 * @param report whether {@code policy.mode} is {@code report}: answer "pass", log the decision
 * @param store the greylist store, when greylisting is on and the store could be opened
 *              (greylistd's administrative verbs and free-text keys)
 * @param greylist the greylisting rules
 * @param clock the clock of the engines
 * @param log the main log
 */
public record DoorEngines(PolicyEngine engine, PolicyEngine peek, PolicyEngine greylistOnly, boolean report,
                          Optional<GreylistStore> store, GreylistSettings greylist, Clock clock, Consumer<String> log) {
}
