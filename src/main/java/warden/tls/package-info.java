/**
 * TLS for the SMTP listeners: the certificates certbot writes (PEM chains and RSA or EC keys in
 * PKCS#1, SEC1 or PKCS#8), chosen by SNI and read again when they change
 * ({@link warden.tls.ServerTls}), and the handshake that STARTTLS (RFC 3207) and implicit TLS
 * (RFC 8314) both use ({@link warden.tls.TlsServer}).
 */
package warden.tls;
