"""A sendmail for PHP's mail(): OpenCart's "mail" engine pipes each message here (php.ini's
`sendmail_path`), and this hands it over SMTP to the host:port written in the file named by the
first argument (the fixture writes keepword's mail sink there, or a dead port for a mail outage).

Recipients are read from the To, Cc and Bcc headers, as `sendmail -t` does (OpenCart sets no
Bcc, so the message is passed on byte for byte, only its line ends made CRLF). Exit status 75
(EX_TEMPFAIL) when the SMTP server cannot be reached: PHP's mail() then returns false, and
OpenCart goes on without the e-mail, as it would with a broken local MTA.
"""

import smtplib
import sys
from email import message_from_bytes, policy
from email.utils import getaddresses

target = open(sys.argv[1]).read().split()
host, port = target[0], int(target[1])
raw = sys.stdin.buffer.read()
message = message_from_bytes(raw, policy=policy.compat32)
recipients = [address for _, address in getaddresses(
    [str(v) for header in ("To", "Cc", "Bcc") for v in message.get_all(header, [])]) if address]
sender = str(message.get("Return-Path") or message.get("From") or "").strip("<> ")
# PHP hands over bare LF line ends; smtplib sends bytes as they are, and SMTP wants CRLF.
data = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
try:
    with smtplib.SMTP(host, port, local_hostname="opencart.keepword.test", timeout=30) as smtp:
        smtp.sendmail(sender, recipients, data)
except OSError as error:  # refused, timed out, or an SMTP error (smtplib's are OSErrors)
    print(f"sendmail.py: cannot hand the message to {host}:{port}: {error}", file=sys.stderr)
    sys.exit(75)
