"""deploy/nginx/govchat.conf is valid nginx (Debian's nginx, `nginx -t`) and proxies what the gateway expects."""

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.main import MAX_BODY_BYTES
from govchat.settings import ROOT

CONF = ROOT / "deploy" / "nginx" / "govchat.conf"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "govchat.example.gov.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_nginx_accepts_the_example_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is installed by scripts/system-packages.sh"
    cert, key = _self_signed(tmp_path)
    site = CONF.read_text().replace("/etc/ssl/govchat/fullchain.pem", str(cert)).replace(
        "/etc/ssl/govchat/privkey.pem", str(key)
    )
    (tmp_path / "govchat.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path}; "
        f"include {tmp_path}/govchat.conf; }}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_nginx_body_limit_matches_the_gateways() -> None:
    limit = re.search(r"client_max_body_size\s+(\d+)m;", CONF.read_text())
    assert limit is not None and int(limit.group(1)) * 1024 * 1024 == MAX_BODY_BYTES
