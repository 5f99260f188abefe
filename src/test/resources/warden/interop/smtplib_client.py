"""Python's smtplib as a mail program submitting to Warden (issue 9 interop tests).

Usage: smtplib_client.py starttls|ssl PORT SNI CAFILE USER PASSWORD FROM TO

Connects to 127.0.0.1:PORT, verifies the server's certificate against CAFILE for the name SNI
(which is also the SNI it sends), then: starttls: EHLO, STARTTLS, EHLO; ssl: TLS from the first
byte (SMTP_SSL), EHLO. Then login() and sendmail(). Prints one JSON object: the TLS version and
cipher, the EHLO keywords inside TLS, and either the login and send results or the error code.
Exit status 0 whenever the dialogue ran (the test judges the JSON), 2 on a usage error.
"""
import json
import smtplib
import ssl
import sys


def main(argv):
    if len(argv) != 9 or argv[1] not in ("starttls", "ssl"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, port, sni, cafile, user, password, sender, rcpt = argv[1:]
    context = ssl.create_default_context(cafile=cafile)
    out = {"mode": mode}
    if mode == "ssl":
        s = smtplib.SMTP_SSL(context=context, timeout=30, local_hostname="client.example.org")
    else:
        s = smtplib.SMTP(timeout=30, local_hostname="client.example.org")
    # smtplib sends as SNI, and checks the certificate against, the host given to the
    # constructor; connecting by address while naming the server needs the name set here.
    s._host = sni
    code, banner = s.connect("127.0.0.1", int(port))
    out["banner"] = code
    if mode == "starttls":
        s.ehlo()
        out["plain_features"] = sorted(s.esmtp_features)
        code, _ = s.starttls(context=context)
        out["starttls"] = code
    s.ehlo()
    out["tls_version"] = s.sock.version()
    out["cipher"] = s.sock.cipher()[0]
    out["tls_features"] = sorted(s.esmtp_features)
    try:
        code, _ = s.login(user, password)
        out["login"] = code
    except smtplib.SMTPAuthenticationError as e:
        out["login"] = e.smtp_code
        out["login_reply"] = e.smtp_error.decode("utf-8", "replace")
        s.quit()
        print(json.dumps(out))
        return 0
    message = ("From: <%s>\r\nTo: <%s>\r\nSubject: smtplib %s interop\r\n\r\nSent by Python's smtplib.\r\n"
               % (sender, rcpt, mode))
    refused = s.sendmail(sender, [rcpt], message)
    out["refused"] = {k: v[0] for k, v in refused.items()}
    out["quit"] = s.quit()[0]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
