"""A real OpenLDAP directory for the `ldap` adapter tests: Debian's `slapd` (`make slapd` installs it)
run from a throw-away config in the test's temp dir, on free ports of 127.0.0.1, plain (`ldap://`) and
TLS (`ldaps://`, a self-signed certificate for 127.0.0.1 made here).

Entries under `o=example`: users `alice` (in group `staff`), `bob` (in no group) and `o'neil,jr`
(a uid with DN-special characters, in `staff`), each with the password `<uid>-pw`, and the
`posixGroup` `cn=staff` (its members by `memberUid`).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SUFFIX = "o=example"
USERS = ("alice", "bob", "o'neil,jr")
STAFF = ("alice", "o'neil,jr")
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"


def _dn(uid: str) -> str:
    return f"uid={uid.replace(',', chr(92) + ',')},ou=users,{SUFFIX}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed(host: str) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) for `host` (an IP address)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address(host))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _ldif() -> str:
    parts = [f"dn: {SUFFIX}\nobjectClass: organization\no: example\n",
             f"dn: ou=users,{SUFFIX}\nobjectClass: organizationalUnit\nou: users\n"]
    for uid in USERS:
        parts.append(f"dn: {_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n"
                     f"userPassword: {uid}-pw\n")
    members = "".join(f"memberUid: {uid}\n" for uid in STAFF)
    parts.append(f"dn: cn=staff,{SUFFIX}\nobjectClass: posixGroup\ncn: staff\ngidNumber: 500\n{members}")
    return "\n".join(parts)


class LdapDirectory:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port, self.tls_port = _free_port(), _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.cert_pem = b""

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def start(self) -> LdapDirectory:
        if shutil.which(SLAPD) is None:
            raise RuntimeError("the ldap tests need Debian's slapd: run `make slapd` (apt-get install slapd)")
        (self.root / "db").mkdir(parents=True)
        self.cert_pem, key_pem = self_signed("127.0.0.1")
        (self.root / "cert.pem").write_bytes(self.cert_pem)
        (self.root / "key.pem").write_bytes(key_pem)
        includes = "".join(f"include /etc/ldap/schema/{name}.schema\n" for name in SCHEMAS)
        (self.root / "slapd.conf").write_text(
            f"{includes}pidfile {self.root}/slapd.pid\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\n"
            f"TLSCertificateFile {self.root}/cert.pem\nTLSCertificateKeyFile {self.root}/key.pem\n"
            f"database mdb\nsuffix \"{SUFFIX}\"\nrootdn \"cn=admin,{SUFFIX}\"\ndirectory {self.root}/db\n"
            "maxsize 10485760\n")
        (self.root / "data.ldif").write_text(_ldif())
        subprocess.run([SLAPADD, "-f", str(self.root / "slapd.conf"), "-l", str(self.root / "data.ldif")],
                       check=True, capture_output=True, timeout=30)
        log = open(self.root / "slapd.log", "wb")  # noqa: SIM115 - slapd writes it until stop()
        self.process = subprocess.Popen([SLAPD, "-f", str(self.root / "slapd.conf"), "-d", "0",
                                         "-h", f"{self.url}/ {self.tls_url}/"], stdout=log, stderr=log)
        log.close()
        self._wait()
        return self

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError((self.root / "slapd.log").read_text())
            try:
                for port in (self.port, self.tls_port):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("slapd did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
