"""Create a self-signed development seal (ECDSA P-256 key + certificate) at SEAL_KEY_FILE/SEAL_CERT_FILE.

Idempotent: an existing seal is left as it is. Production configures a real seal certificate instead.
"""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Lag et selvsignert seglsertifikat for utvikling (gjør ingenting om det finnes fra før)."

    def add_arguments(self, parser):
        parser.add_argument("--name", default="Samarbeid segl (utvikling)", help="Navnet i sertifikatet (CN).")
        parser.add_argument("--years", type=int, default=10, help="Gyldighet i år.")

    def handle(self, *args, name, years, verbosity, **options):
        key_file, cert_file = settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE
        if key_file.exists() and cert_file.exists():
            if verbosity:
                self.stdout.write(f"Seglet finnes allerede: {cert_file}")
            return
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Samarbeid"),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        key_file.parent.mkdir(parents=True, exist_ok=True)
        cert_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_file.chmod(0o600)
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Laget seglsertifikat {cert_file} og nøkkel {key_file}"))
