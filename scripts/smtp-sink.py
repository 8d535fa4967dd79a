#!/usr/bin/env python3
"""A real SMTP server for the test suite (aiosmtpd): accepts every message on 127.0.0.1:PORT
(default: a free one) and writes each to DIR as N.eml, as received, and N.txt, decoded:
`To:` (the envelope's recipients), `From:`, `Subject:`, a blank line and the plain-text
body. Prints `READY <port>` once listening; stops when its standard input closes."""
import email
import email.policy
import pathlib
import socket
import sys

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        data = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        msg = email.message_from_bytes(data, policy=email.policy.default)
        text = (
            f"To: {', '.join(envelope.rcpt_tos)}\n"
            f"From: {msg['from']}\n"
            f"Subject: {msg['subject']}\n\n"
            f"{msg.get_body(('plain',)).get_content()}"
        )
        (self.folder / f"{self.n}.eml").write_bytes(data)
        tmp = self.folder / f".{self.n}.txt"
        tmp.write_text(text, encoding="utf-8")
        tmp.rename(self.folder / f"{self.n}.txt")
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    folder = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else free_port()
    c = Controller(Keep(folder), hostname="127.0.0.1", port=port)
    c.start()
    print(f"READY {port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        c.stop()


if __name__ == "__main__":
    main()
