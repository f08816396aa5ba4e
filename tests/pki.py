"""A local test PKI for the seal: a root CA, a seal certificate and a timestamp authority it issues, the root's
CRL, and one HTTP server on 127.0.0.1 that answers RFC 3161 requests (pyHanko's DummyTimeStamper signs them
with the TSA certificate) and serves the CRL at the address printed in the certificates."""

import contextlib
import datetime
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

NOW = datetime.datetime.now(datetime.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Samarbeid test-PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign=False, commit=False, ca=False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=commit,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    encoding, key_format = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    return key.private_bytes(encoding, key_format, serialization.NoEncryption())


@dataclass
class TestPki:
    directory: Path
    base_url: str
    requests: list[str] = field(default_factory=list)  # paths the server answered, in order

    def __post_init__(self):
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = self._issue(
            _name("Samarbeid test-rot"),
            self.root_key.public_key(),
            ca=True,
            extensions=[(x509.BasicConstraints(ca=True, path_length=None), True), (_usage(ca=True), True)],
        )
        crl_point = x509.CRLDistributionPoints(
            [x509.DistributionPoint([x509.UniformResourceIdentifier(self.crl_url)], None, None, None)]
        )
        self.seal_key = ec.generate_private_key(ec.SECP256R1())
        self.seal = self._issue(
            _name("Samarbeid segl (test)"),
            self.seal_key.public_key(),
            extensions=[
                (x509.BasicConstraints(ca=False, path_length=None), True),
                (_usage(sign=True, commit=True), True),
                (crl_point, False),
            ],
        )
        self.tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # DummyTimeStamper: RSA only
        self.tsa = self._issue(
            _name("Samarbeid tidsstempel (test)"),
            self.tsa_key.public_key(),
            extensions=[
                (x509.BasicConstraints(ca=False, path_length=None), True),
                (_usage(sign=True), True),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
                (crl_point, False),
            ],
        )
        self.crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.subject)
            .last_update(NOW - datetime.timedelta(minutes=5))
            .next_update(NOW + datetime.timedelta(days=7))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()), False)
            .sign(self.root_key, hashes.SHA256())
        )
        self.timestamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(self.tsa.public_bytes(serialization.Encoding.DER)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                self.tsa_key.private_bytes(
                    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
        )
        self.key_file = self.directory / "seal-key.pem"
        self.cert_file = self.directory / "seal-cert.pem"
        self.chain_file = self.directory / "seal-chain.pem"
        self.key_file.write_bytes(_key_pem(self.seal_key))
        self.cert_file.write_bytes(_pem(self.seal))
        self.chain_file.write_bytes(_pem(self.root))

    @property
    def crl_url(self) -> str:
        return f"{self.base_url}/rot.crl"

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/tsa"

    @property
    def root_asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.root.public_bytes(serialization.Encoding.DER))

    def _issue(self, subject, public_key, *, extensions, ca=False) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if ca else self.root.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(minutes=5))
            .not_valid_after(NOW + datetime.timedelta(days=365))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        if not ca:
            issuer_key = self.root_key.public_key()
            builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), False)
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(self.root_key, hashes.SHA256())

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        self.requests.append(path)
        if method == "GET" and path == "/rot.crl":
            return 200, "application/pkix-crl", self.crl.public_bytes(serialization.Encoding.DER)
        if method == "POST" and path == "/tsa":
            response = self.timestamper.request_tsa_response(tsp.TimeStampReq.load(body))
            return 200, "application/timestamp-reply", response.dump()
        return 404, "text/plain", b"not found"


@contextlib.contextmanager
def running_pki(directory: Path):
    """Run the PKI's server for the duration of the block; yields the TestPki."""
    holder = {}

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, content_type, payload = holder["pki"].answer(method, self.path, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):  # noqa: N802
            self._reply("GET")

        def do_POST(self):  # noqa: N802
            self._reply("POST")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        holder["pki"] = TestPki(directory=directory, base_url=f"http://127.0.0.1:{server.server_port}")
        yield holder["pki"]
    finally:
        server.shutdown()
        server.server_close()
