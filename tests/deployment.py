"""What the deployment files of a project rendered with ``docker=true`` must hold.

``compose.yaml`` (one machine) and ``deploy/kubernetes/`` (a cluster) are checked against what
the README promises of them, and every Kubernetes manifest against the API's own schemas
(kubernetes-validate, strict: unknown fields are errors) for the oldest and newest Kubernetes
minor versions upstream supports. checkov's security scan runs separately, once over several
rendered projects (tests/test_render.py), because it takes seconds to start.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils
import yaml

# The oldest and the newest minor versions that upstream Kubernetes supports.
KUBERNETES_VERSIONS = ("1.35.0", "1.37.0")

# kubernetes-validate reads and parses its JSON schemas (megabytes) on every call: reading each
# once turns seconds per project into milliseconds.
kubernetes_validate.utils.schema_contents = functools.cache(  # type: ignore[method-assign]
    kubernetes_validate.utils.schema_contents
)

# What Kubernetes accepts as a Service's name (RFC 1035 label), and so as every name here.
DNS_LABEL = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
# Settings whose values are secrets: set from an ignored env file or a Secret, never inline.
SECRET_SETTINGS = {"SECRET_KEY", "POSTGRES_PASSWORD", "MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD"}
MIGRATE = {
    "drf": ["python", "manage.py", "migrate", "--noinput"],
    "flask-restful": ["flask", "--app", "{package}", "db", "upgrade"],
}


def fingerprint(project: Path) -> str:
    """A digest of everything the deployment checks read, to check each distinct output once."""
    digest = hashlib.sha256()
    for path in sorted(p for p in deployment_paths(project) if p.is_file()):
        digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def deployment_paths(project: Path) -> Iterator[Path]:
    yield from project.glob("compose*")
    yield from (project / "deploy").rglob("*")
    for name in ("Dockerfile", "gunicorn.conf.py", ".gitignore", ".dockerignore"):
        yield project / name


def problems(project: Path, answers: Mapping[str, Any]) -> list[str]:
    """Everything wrong with the project's deployment files (empty when nothing is)."""
    graceful = re.search(
        r"^graceful_timeout = (\d+)$",
        (project / "gunicorn.conf.py").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    if graceful is None:
        return ["gunicorn.conf.py: no graceful_timeout"]
    package = project_package(project)
    migrate = [part.format(package=package) for part in MIGRATE[str(answers["framework"])]]
    return compose_problems(project, answers, int(graceful[1]), migrate) + kubernetes_problems(
        project, answers, int(graceful[1]), migrate
    )


def project_package(project: Path) -> str:
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    return str(answers["package_name"])


def seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, duration
    return int(match[1])


# -- compose.yaml ---------------------------------------------------------------------------


def compose_problems(
    project: Path, answers: Mapping[str, Any], graceful: int, migrate: list[str]
) -> list[str]:
    found: list[str] = []

    def expect(condition: object, message: str) -> None:
        if not condition:
            found.append(f"compose.yaml: {message}")

    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    database, redis = str(answers["database"]), bool(answers["redis"])
    expected = {"api", "migrate"} | ({"db"} if database != "sqlite" else set())
    expected |= {"redis"} if redis else set()
    expect(set(services) == expected, f"services {sorted(services)}, expected {sorted(expected)}")
    api, job = services.get("api", {}), services.get("migrate", {})
    expect(job.get("command") == migrate, f"migrate runs {job.get('command')}, not {migrate}")
    needs = api.get("depends_on", {})
    expect(
        needs.get("migrate", {}).get("condition") == "service_completed_successfully",
        "api does not wait for the migrations to complete",
    )
    for server in expected - {"api", "migrate"}:
        expect(
            needs.get(server, {}).get("condition") == "service_healthy",
            f"api does not wait for {server} to be healthy",
        )
        expect("healthcheck" in services[server], f"{server} has no health check")
    if database != "sqlite":
        expect(job.get("depends_on", {}).get("db"), "migrate does not wait for the database")
        expect(compose.get("volumes", {}).get("db") is not None, "the database has no volume")
    else:
        expect("data:/data" in api.get("volumes", []), "the SQLite file is not on a volume")
        url = api.get("environment", {}).get("DATABASE_URL", "")
        expect(url.startswith("sqlite:////data/"), f"the SQLite file is not on /data: {url}")
    expect("/ready" in " ".join(api.get("healthcheck", {}).get("test", [])), "no /ready check")
    expect(
        seconds(api.get("stop_grace_period", "0s")) > graceful,
        "stop_grace_period leaves gunicorn less than its graceful_timeout",
    )
    expect(
        all(str(port).startswith("127.0.0.1:") for port in api.get("ports", [])),
        "a port is published beyond the loopback interface",
    )
    for name, service in (("api", api), ("migrate", job)):
        expect(service.get("read_only") is True, f"{name}'s root filesystem is writable")
        expect(service.get("cap_drop") == ["ALL"], f"{name} keeps Linux capabilities")
        expect("/tmp" in service.get("tmpfs", []), f"{name} has no writable /tmp")
    ignored = lines(project / ".gitignore")
    docker_ignored = lines(project / ".dockerignore")
    for name, service in services.items():
        expect(
            "no-new-privileges:true" in service.get("security_opt", []),
            f"{name} may gain privileges",
        )
        inline = SECRET_SETTINGS & set(service.get("environment", {}))
        expect(not inline, f"{name} sets {sorted(inline)} inline: secrets belong in env files")
        url = str(service.get("environment", {}).get("DATABASE_URL", ""))
        expect("@" not in url, f"{name} has database credentials inline")
        for env_file in service.get("env_file", []):
            path = env_file["path"]
            expect(env_file.get("required") is True, f"{path} is optional")
            expect(path in ignored, f"{path} is not in .gitignore")
            expect(path in docker_ignored, f"{path} would be copied into the image")
            expect((project / f"{path}.example").is_file(), f"{path}.example is missing")
    return found


def lines(path: Path) -> set[str]:
    return set(path.read_text(encoding="utf-8").splitlines())


# -- deploy/kubernetes ----------------------------------------------------------------------


def kubernetes_problems(
    project: Path, answers: Mapping[str, Any], graceful: int, migrate: list[str]
) -> list[str]:
    found: list[str] = []
    folder = project / "deploy" / "kubernetes"
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = list(kustomization["resources"])
    present = sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
    if sorted(listed) != present:
        found.append(f"kustomization.yaml lists {sorted(listed)}, the folder holds {present}")
    resources: dict[str, dict[str, Any]] = {}
    for name in present:
        for document in yaml.safe_load_all((folder / name).read_text(encoding="utf-8")):
            found += validation_errors(f"deploy/kubernetes/{name}", document)
            if not DNS_LABEL.fullmatch(document["metadata"]["name"]):
                found.append(f"{name}: {document['metadata']['name']!r} is not a DNS label")
            resources[document["kind"]] = document
    if found:
        return found
    images = {image["name"] for image in kustomization.get("images", [])}
    found += pod_problems(resources, answers, graceful, migrate, images)
    return [f"deploy/kubernetes: {problem}" for problem in found]


def validation_errors(name: str, document: dict[str, Any]) -> list[str]:
    errors = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(part) for part in exc.path)
            errors.append(
                f"{name}: {document['kind']} is invalid on {version}: {path}: {exc.message}"
            )
        except (
            kubernetes_validate.utils.SchemaNotFoundError,
            kubernetes_validate.utils.InvalidSchemaError,
        ) as exc:
            errors.append(f"{name}: {document['kind']} cannot be validated: {exc}")
    return errors


def pod_problems(
    resources: dict[str, dict[str, Any]],
    answers: Mapping[str, Any],
    graceful: int,
    migrate: list[str],
    images: set[str],
) -> list[str]:
    found: list[str] = []

    def expect(condition: object, message: str) -> None:
        if not condition:
            found.append(message)

    sqlite = answers["database"] == "sqlite"
    deployment = resources["Deployment"]
    config = resources["ConfigMap"]
    allowed_hosts = config["data"]["ALLOWED_HOSTS"].split(",")
    pod = deployment["spec"]["template"]["spec"]
    expect(
        deployment["spec"]["selector"]["matchLabels"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items(),
        "the Deployment's selector does not match its pods",
    )
    containers = {c["name"]: c for c in pod["containers"] + pod.get("initContainers", [])}
    api = containers["api"]
    for probe, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
        check = api.get(probe, {}).get("httpGet", {})
        expect(check.get("path") == path, f"the {probe} does not call {path}")
        host = {h["name"]: h["value"] for h in check.get("httpHeaders", [])}.get("Host")
        expect(host in allowed_hosts, f"the {probe}'s Host {host} is not in ALLOWED_HOSTS")
    pre_stop = api.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    expect(
        pod.get("terminationGracePeriodSeconds", 30) > pre_stop + graceful,
        "terminationGracePeriodSeconds leaves gunicorn less than its graceful_timeout",
    )
    secured = pod.get("securityContext", {})
    expect(secured.get("runAsNonRoot") is True, "pods may run as root")
    expect(secured.get("seccompProfile", {}).get("type") == "RuntimeDefault", "no seccomp")
    expect(pod.get("automountServiceAccountToken") is False, "pods get an API token")
    pods = [(deployment, pod)]
    if sqlite:
        expect(deployment["spec"].get("replicas") == 1, "SQLite with more than one pod")
        expect(containers.get("migrate", {}).get("command") == migrate, "no migrations")
        expect("HorizontalPodAutoscaler" not in resources, "SQLite cannot scale out")
    else:
        job = resources["Job"]
        pods.append((job, job["spec"]["template"]["spec"]))
        expect(job["spec"]["template"]["spec"]["containers"][0]["command"] == migrate, "migrate")
        hpa = resources["HorizontalPodAutoscaler"]
        expect(hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"], "HPA")
        expect("replicas" not in deployment["spec"], "replicas would fight the autoscaler")
        budget = resources["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]
        expect(budget == deployment["spec"]["selector"]["matchLabels"], "PDB selects other pods")
    secret_keys = {"SECRET_KEY"} | ({"DATABASE_URL"} if not sqlite else set())
    secret_keys |= {"REDIS_URL"} if answers["redis"] else set()
    for owner, spec in pods:
        for container in spec["containers"] + spec.get("initContainers", []):
            where = f"{owner['kind']} {container['name']}"
            expect(
                container["image"].split(":")[0] in images, f"{where}: kustomize skips its image"
            )
            context = container.get("securityContext", {})
            expect(context.get("allowPrivilegeEscalation") is False, f"{where}: escalation")
            expect(context.get("readOnlyRootFilesystem") is True, f"{where}: writable root")
            expect(context.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: caps")
            resources_ = container.get("resources", {})
            for kind in ("requests", "limits"):
                expect({"cpu", "memory"} <= set(resources_.get(kind, {})), f"{where}: no {kind}")
            refs = [e["configMapRef"]["name"] for e in container.get("envFrom", [])]
            expect(refs == [config["metadata"]["name"]], f"{where}: not the ConfigMap")
            keys = {
                e["valueFrom"]["secretKeyRef"]["key"]
                for e in container.get("env", [])
                if "secretKeyRef" in e.get("valueFrom", {})
            }
            expect(
                keys == secret_keys,
                f"{where}: Secret keys {sorted(keys)}, not {sorted(secret_keys)}",
            )
    leaked = SECRET_SETTINGS & set(config["data"])
    expect(not leaked, f"the ConfigMap holds secrets: {sorted(leaked)}")
    return found
