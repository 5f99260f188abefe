package warden.auth;

import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.config.WardenConfig;
import warden.mail.ClientText;

import javax.net.SocketFactory;
import javax.net.ssl.TrustManager;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Checks a name and password against an LDAP directory ({@code auth.ldap}), the way seed 004's
 * author wished Exim could: bind as a service account (the directory allows no anonymous
 * search), search the user with a filter that can require an object class or a group, then bind
 * as the one entry found with the password the client gave.
 *
 * <p>Step by step, every operation bounded by {@code auth.ldap.timeout}:
 * <ol>
 * <li>An empty password is refused before anything is sent: a simple bind with a DN and an empty
 *     password is an <em>unauthenticated</em> bind (RFC 4513 section 5.1.2) that many directories
 *     answer with success.</li>
 * <li>Search {@code base}, whole subtree, with {@code filter} in which {@code {user}} is the name
 *     escaped as an RFC 4515 assertion value ({@code *}, {@code (}, {@code )}, {@code \} and NUL
 *     become {@code \2a} ...), so a name such as {@code *)(uid=*} is a name and not a filter. The
 *     search runs on a connection bound as {@code bind_dn} (password: the first line of
 *     {@code bind_password_file}, {@link BindPassword}), or anonymously without {@code bind_dn}.</li>
 * <li>No entry: rejected ("no such user or not allowed by the filter"). More than one: rejected
 *     and logged (the filter does not identify a user; the operator should fix it).</li>
 * <li>Bind as the entry's DN with the password, on a connection of a second pool that only ever
 *     binds (so the service connection keeps its identity). Success: accepted.
 *     {@code invalidCredentials} (49): rejected.</li>
 * </ol>
 * Anything else is {@link Result.Unavailable} ("could not tell"; the session answers 454 4.7.0,
 * never 535): the directory refuses or drops the connection, does not answer within the timeout,
 * is busy or unavailable, the search base does not exist, or the service account's own bind fails
 * (a wrong {@code bind_password_file} is the operator's mistake, not the user's; it is logged as
 * such).
 *
 * <p>Connections are pooled (up to {@value #MAX_CONNECTIONS} of each kind, made on first use and
 * again after a failure), so an attempt normally costs one search and one bind on open
 * connections. A connection that timed out or failed is closed, never reused. {@code ldaps://}
 * checks the directory's certificate against the JDK's trust store and its name against the URL's
 * host. Failures are logged with the DN and the LDAP result code; a password never is.
 *
 * <h2>Standards</h2>
 * RFC 4511 (LDAPv3: bind, search, result codes such as invalidCredentials 49, busy 51,
 * unavailable 52), RFC 4513 section 5.1 (simple bind; unauthenticated binds), RFC 4515 section 3
 * (escaping an assertion value), RFC 4516 (the {@code ldap://} URL), RFC 4954 section 6
 * (454 4.7.0 for a temporary authentication failure).
 *
 * <p>Not done: StartTLS on {@code ldap://} (use {@code ldaps://}), several directory servers
 * for fail-over, SASL binds to the directory, following referrals, password-policy controls
 * (an expired or locked account is whatever the directory answers: 49 is rejected, anything
 * else is "could not tell").
 */
public final class LdapAuthenticator implements Authenticator {

    private static final Logger LOG = LoggerFactory.getLogger(LdapAuthenticator.class);

    /** Connections per pool: enough for a few logins at once; more wait up to the timeout. */
    static final int MAX_CONNECTIONS = 4;

    private static final String SERVICE_HINT = "; the service account cannot bind: check auth.ldap.bind_dn and the first"
            + " line of auth.ldap.bind_password_file (a configuration problem: every login gets 454 until it is fixed)";
    private static final String NO_ENTRY = "no such user or not allowed by the filter";

    private final WardenConfig.Ldap config;
    private final LDAPURL url;
    private final SocketFactory sockets;
    private final Optional<BindPassword> bindPassword;
    private final ReentrantLock building = new ReentrantLock();
    private volatile Pools pools;
    private volatile boolean closed;

    /** The search pool (bound as the service account) and the user-bind pool, and the password the first was made with. */
    private record Pools(LDAPConnectionPool search, LDAPConnectionPool userBinds, Optional<String> password) {
        void close() {
            search.close();
            userBinds.close();
        }
    }

    /** {@code auth.ldap} as configured; {@code ldaps://} trusts the JDK's trust store. */
    public LdapAuthenticator(WardenConfig.Ldap config, Clock clock) {
        this(config, clock, JVMDefaultTrustManager.getInstance());
    }

    /** With {@code trust} deciding which directory certificates are good for {@code ldaps://} (tests use their own CA). */
    LdapAuthenticator(WardenConfig.Ldap config, Clock clock, TrustManager trust) {
        this.config = config;
        try {
            this.url = new LDAPURL(config.url());
        } catch (LDAPException e) {
            throw new IllegalArgumentException("auth.ldap.url " + config.url() + ": " + e.getMessage(), e);
        }
        if (url.getScheme().equalsIgnoreCase("ldaps")) {
            try {
                this.sockets = new TimedSockets(new SSLUtil(trust).createSSLSocketFactory(), config.timeout());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("no TLS for auth.ldap.url " + config.url() + ": " + e.getMessage(), e);
            }
        } else {
            this.sockets = new TimedSockets(SocketFactory.getDefault(), config.timeout());
        }
        this.bindPassword = config.bindPasswordFile().map(f -> new BindPassword(f, clock, Duration.ofSeconds(1)));
        bindPassword.ifPresent(BindPassword::readNow); // at start: a problem is logged now, not at the first login
    }

    @Override
    public Result authenticate(String user, String password) {
        if (user == null || user.isEmpty()) return new Result.Rejected("empty user name");
        if (password == null || password.isEmpty()) {
            return new Result.Rejected("empty password for " + ClientText.escape(user) + " (never sent: it would be an unauthenticated bind)");
        }
        if (closed) return new Result.Unavailable("the LDAP authenticator is closed");
        Pools p;
        try {
            p = pools();
        } catch (Unavailable e) {
            return new Result.Unavailable(e.getMessage());
        }
        String shown = ClientText.escape(user);
        Optional<String> dn;
        try {
            dn = find(p.search(), user, shown);
        } catch (Unavailable e) {
            return new Result.Unavailable(e.getMessage());
        } catch (Ambiguous e) {
            return new Result.Rejected(e.getMessage());
        }
        if (dn.isEmpty()) return new Result.Rejected(NO_ENTRY + ": " + shown);
        return bind(p.userBinds(), dn.get(), user, password);
    }

    /** The DN of the one entry the filter finds for {@code user}, or empty when there is none. */
    private Optional<String> find(LDAPConnectionPool pool, String user, String shown) throws Unavailable, Ambiguous {
        Filter filter;
        try {
            filter = Filter.create(config.filter().replace("{user}", Filter.encodeValue(user)));
        } catch (LDAPException e) {
            throw new Unavailable("auth.ldap.filter " + config.filter() + " is not a valid LDAP filter: " + e.getMessage());
        }
        SearchRequest search = new SearchRequest(config.base(), SearchScope.SUB, filter, SearchRequest.NO_ATTRIBUTES);
        search.setSizeLimit(2); // two are enough to know the filter is ambiguous
        search.setTimeLimitSeconds(seconds());
        search.setResponseTimeoutMillis(millis());
        LDAPConnection c = connection(pool, "search");
        List<SearchResultEntry> entries;
        try {
            SearchResult r = c.search(search);
            entries = r.getSearchEntries();
            pool.releaseConnection(c);
        } catch (LDAPSearchException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                pool.releaseConnection(c);
                entries = e.getSearchEntries();
            } else {
                pool.releaseDefunctConnection(c);
                String why = "search for " + shown + " under " + config.base() + " failed: " + code(e);
                LOG.warn("auth.ldap {}: {}", url(), why);
                throw new Unavailable(why);
            }
        }
        if (entries.size() > 1) {
            String why = "the filter " + config.filter() + " finds more than one entry for " + shown + " ("
                    + entries.get(0).getDN() + ", " + entries.get(1).getDN() + "); make it match one entry per user";
            LOG.warn("auth.ldap {}: {}", url(), why);
            throw new Ambiguous(why);
        }
        return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(0).getDN());
    }

    /** Binds as {@code dn}: accepted, rejected on invalidCredentials, unavailable on anything else. */
    private Result bind(LDAPConnectionPool pool, String dn, String user, String password) {
        SimpleBindRequest request = new SimpleBindRequest(dn, password);
        request.setResponseTimeoutMillis(millis());
        LDAPConnection c;
        try {
            c = connection(pool, "bind as " + dn);
        } catch (Unavailable e) {
            return new Result.Unavailable(e.getMessage());
        }
        try {
            c.bind(request);
            pool.releaseConnection(c);
            return new Result.Accepted(user);
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
                pool.releaseConnection(c);
                String why = "bind as " + dn + " refused: " + code(e);
                LOG.info("auth.ldap {}: {}", url(), why);
                return new Result.Rejected(why);
            }
            pool.releaseDefunctConnection(c);
            String why = "bind as " + dn + " failed: " + code(e);
            LOG.warn("auth.ldap {}: {}", url(), why);
            return new Result.Unavailable(why);
        }
    }

    private LDAPConnection connection(LDAPConnectionPool pool, String what) throws Unavailable {
        try {
            return pool.getConnection();
        } catch (LDAPException e) {
            String why = "no connection to " + url() + " for " + what + ": " + code(e);
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) why += SERVICE_HINT;
            LOG.warn("auth.ldap: {}", why);
            throw new Unavailable(why);
        }
    }

    /** The pools, made now if there are none or the service account's password changed. */
    private Pools pools() throws Unavailable {
        Optional<String> password = Optional.empty();
        if (bindPassword.isPresent()) {
            BindPassword.Snapshot s = bindPassword.get().current();
            if (s.password().isEmpty()) throw new Unavailable(s.problem().orElse("no service account password"));
            password = s.password();
        }
        Pools p = pools;
        if (p != null && p.password().equals(password)) return p;
        try {
            // One caller connects; the others wait no longer than one operation may take.
            if (!building.tryLock(millis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new Unavailable("still connecting to " + url() + " after " + millis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while connecting to " + url());
        }
        try {
            p = pools;
            if (p != null && p.password().equals(password)) return p;
            Pools made = make(password);
            pools = made;
            if (p != null) p.close(); // the old password: its connections go (XXX a search running on one fails and is 454)
            if (closed) made.close();
            return made;
        } finally {
            building.unlock();
        }
    }

    private Pools make(Optional<String> password) throws Unavailable {
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis((int) Math.min(Integer.MAX_VALUE, millis()));
        options.setResponseTimeoutMillis(millis());
        options.setUseSynchronousMode(true); // no reader thread per connection; reads bounded by the response timeout
        options.setFollowReferrals(false);
        if (url.getScheme().equalsIgnoreCase("ldaps")) options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        SingleServerSet server = new SingleServerSet(url.getHost(), url.getPort(), sockets, options);
        SimpleBindRequest service = config.bindDn().map(dn -> new SimpleBindRequest(dn, password.orElseThrow())).orElse(null);
        if (service != null) service.setResponseTimeoutMillis(millis());
        LDAPConnectionPool search;
        try {
            search = new LDAPConnectionPool(server, service, 1, MAX_CONNECTIONS);
        } catch (LDAPException e) {
            String who = config.bindDn().map(dn -> "bind as the service account " + dn).orElse("anonymous connection");
            String why = who + " to " + url() + " failed: " + code(e);
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
                why += SERVICE_HINT;
            }
            LOG.warn("auth.ldap: {}", why);
            throw new Unavailable(why);
        }
        LDAPConnectionPool userBinds;
        try {
            userBinds = new LDAPConnectionPool(server, null, 1, MAX_CONNECTIONS);
        } catch (LDAPException e) {
            search.close();
            String why = "connection to " + url() + " for user binds failed: " + code(e);
            LOG.warn("auth.ldap: {}", why);
            throw new Unavailable(why);
        }
        for (LDAPConnectionPool pool : List.of(search, userBinds)) {
            pool.setMaxWaitTimeMillis(millis()); // all connections busy: wait this long for one, then 454
            pool.setRetryFailedOperationsDueToInvalidConnections(false);
        }
        search.setConnectionPoolName("warden-ldap-search");
        userBinds.setConnectionPoolName("warden-ldap-user-binds");
        return new Pools(search, userBinds, password);
    }

    /** {@code invalidCredentials (49): diagnostic}, never a password. */
    private static String code(LDAPException e) {
        ResultCode rc = e.getResultCode();
        String diagnostic = e.getDiagnosticMessage();
        String message = diagnostic != null && !diagnostic.isBlank() ? diagnostic : e.getMessage();
        return name(rc) + " (" + rc.intValue() + ")" + (message == null || message.isBlank() ? "" : ": " + ClientText.escape(message));
    }

    /** RFC 4511's spelling of a result code ({@code invalidCredentials}), from the SDK's ("invalid credentials"). */
    static String name(ResultCode rc) {
        String[] words = rc.getName().strip().split("[ _-]+");
        StringBuilder b = new StringBuilder(words[0].toLowerCase(java.util.Locale.ROOT));
        for (int i = 1; i < words.length; i++) {
            if (words[i].isEmpty()) continue;
            b.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return b.toString();
    }

    private long millis() {
        return Math.max(1, config.timeout().toMillis());
    }

    private int seconds() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (config.timeout().toMillis() + 999) / 1000));
    }

    private String url() {
        return config.url();
    }

    @Override
    public String describe() {
        return "ldap " + config.url() + " base " + config.base() + " filter " + config.filter()
                + config.bindDn().map(dn -> " as " + dn).orElse(" anonymously");
    }

    @Override
    public void close() {
        building.lock();
        try {
            closed = true;
            Pools p = pools;
            pools = null;
            if (p != null) p.close();
        } finally {
            building.unlock();
        }
    }

    /** The directory could not tell; the message is for the log. */
    private static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    /** More than one entry for one name: a filter that does not identify a user. */
    private static final class Ambiguous extends Exception {
        Ambiguous(String message) {
            super(message, null, false, false);
        }
    }
}
