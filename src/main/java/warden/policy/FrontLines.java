package warden.policy;

import warden.dns.Resolver;
import warden.greylist.Greylist;
import warden.policy.bounce.BounceRecipients;
import warden.policy.content.MailLoop;
import warden.policy.dnsbl.DnsLists;

import java.util.Optional;

/**
 * The parts of the policy that need more than {@link PolicySettings}: the greylist and its store,
 * the DNS lists, the bounce-recipient files and the hop limit (seed 004's second front line,
 * greylisting, and the DNS blacklists, collateral-spam and header rules of its first).
 *
 * @param greylist the greylist, or empty when {@code greylist.enabled} is false
 * @param recordGreylist whether greylist questions are recorded ({@code serve}); {@code simulate}
 *                       only peeks, so that trying a dialogue changes nothing
 * @param dnsLists the DNS blacklists and whitelists (possibly none)
 * @param bounceRecipients the {@code bounce_recipients} directory, if configured
 * @param maxReceivedHeaders the {@code mail-loop} limit ({@code max_received_headers})
 */
public record FrontLines(Optional<Greylist> greylist, boolean recordGreylist, DnsLists dnsLists,
                         Optional<BounceRecipients> bounceRecipients, int maxReceivedHeaders) {

    /** No greylist, no DNS list, no bounce-recipient files, the default hop limit. */
    public static FrontLines none(Resolver resolver) {
        return new FrontLines(Optional.empty(), true, DnsLists.none(resolver), Optional.empty(), MailLoop.DEFAULT_LIMIT);
    }

    public FrontLines withGreylist(Greylist g, boolean record) {
        return new FrontLines(Optional.of(g), record, dnsLists, bounceRecipients, maxReceivedHeaders);
    }

    public FrontLines withDnsLists(DnsLists lists) {
        return new FrontLines(greylist, recordGreylist, lists, bounceRecipients, maxReceivedHeaders);
    }

    public FrontLines withBounceRecipients(BounceRecipients b) {
        return new FrontLines(greylist, recordGreylist, dnsLists, Optional.of(b), maxReceivedHeaders);
    }

    public FrontLines withMaxReceivedHeaders(int n) {
        return new FrontLines(greylist, recordGreylist, dnsLists, bounceRecipients, n);
    }
}
