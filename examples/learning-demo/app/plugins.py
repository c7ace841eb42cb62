"""Plugin manifests uploaded by users."""
import yaml


def read_manifest(upload):
    text = upload.read().decode("utf-8")
    manifest = yaml.load(text, Loader=yaml.Loader)
    return manifest["name"], manifest.get("version")


def read_many(files):
    result = []
    for fh in files:
        result.append(yaml.load(fh, Loader=yaml.Loader))
    return result
