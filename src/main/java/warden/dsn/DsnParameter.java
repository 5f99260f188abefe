package warden.dsn;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the values of the DSN parameters of MAIL ({@code RET}, {@code ENVID}) and RCPT
 * ({@code NOTIFY}, {@code ORCPT}), strictly: a value that is not what RFC 3461 allows is
 * {@link Invalid}, with a reason the client is told in a {@code 501 5.5.4}. Pure functions.
 *
 * <h2>Standards</h2>
 * RFC 3461 section 4.1 ({@code NOTIFY}: {@code NEVER} alone, or a list of {@code SUCCESS},
 * {@code FAILURE}, {@code DELAY}), 4.2 ({@code ORCPT=addr-type;xtext}, at most 500 characters),
 * 4.3 ({@code RET=FULL|HDRS}), 4.4 ({@code ENVID=xtext}, at most 100 characters); keywords and
 * values are case-insensitive (RFC 5321 2.4), the xtext is not. The lengths are counted on the
 * parameter value as sent, before decoding.
 *
 * <p>Not done: RFC 6533 {@code utf-8} address types are accepted as any other {@code addr-type},
 * their {@code utf-8-addr-xtext} not decoded.
 */
public final class DsnParameter {

    /** RFC 3461 4.4. */
    public static final int ENVID_MAX = 100;
    /** RFC 3461 4.2. */
    public static final int ORCPT_MAX = 500;

    /** RFC 3461 4.2: {@code addr-type = atom} (RFC 5322 atext; IANA registers rfc822, utf-8, x400, unknown). */
    private static final Pattern ADDR_TYPE = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+");

    private DsnParameter() {}

    /** A DSN parameter value RFC 3461 does not allow; the message is the reply text. */
    public static final class Invalid extends Exception {
        public Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    /** {@code RET=FULL} or {@code RET=HDRS}. */
    public static Ret ret(String value) throws Invalid {
        if (value != null) {
            switch (value.toUpperCase(Locale.ROOT)) {
                case "FULL" -> { return Ret.FULL; }
                case "HDRS" -> { return Ret.HDRS; }
                default -> { }
            }
        }
        throw new Invalid("RET must be FULL or HDRS (RFC 3461 4.3)");
    }

    /** {@code ENVID=xtext}: the decoded envelope identifier. */
    public static String envid(String value) throws Invalid {
        Optional<String> id = value == null || value.isEmpty() || value.length() > ENVID_MAX
                ? Optional.empty() : XText.decode(value);
        return id.orElseThrow(() -> new Invalid("ENVID must be xtext of 1 to " + ENVID_MAX
                + " characters (RFC 3461 4.4)"));
    }

    /** {@code NOTIFY=NEVER} or {@code NOTIFY=} a comma list of SUCCESS, FAILURE, DELAY, each once. */
    public static Set<Notify> notify(String value) throws Invalid {
        Invalid invalid = new Invalid("NOTIFY must be NEVER, or SUCCESS, FAILURE, DELAY separated by commas,"
                + " each at most once (RFC 3461 4.1)");
        if (value == null || value.isEmpty()) throw invalid;
        Set<Notify> set = EnumSet.noneOf(Notify.class);
        for (String word : value.split(",", -1)) {
            Notify n;
            try {
                n = Notify.valueOf(word.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw invalid;
            }
            if (!set.add(n)) throw invalid;
        }
        if (set.contains(Notify.NEVER) && set.size() > 1) {
            throw new Invalid("NOTIFY=NEVER cannot be combined with other values (RFC 3461 4.1)");
        }
        return Set.copyOf(set);
    }

    /**
     * {@code ORCPT=addr-type;xtext}: {@code addr-type;address} with the address decoded, the
     * address type as sent.
     */
    public static String orcpt(String value) throws Invalid {
        Invalid invalid = new Invalid("ORCPT must be addr-type;xtext of at most " + ORCPT_MAX
                + " characters, such as rfc822;bob@example.org (RFC 3461 4.2)");
        if (value == null || value.length() > ORCPT_MAX) throw invalid;
        int semi = value.indexOf(';');
        if (semi <= 0 || semi == value.length() - 1) throw invalid;
        String type = value.substring(0, semi);
        if (!ADDR_TYPE.matcher(type).matches()) throw invalid;
        return type + ";" + XText.decode(value.substring(semi + 1)).orElseThrow(() -> invalid);
    }
}
