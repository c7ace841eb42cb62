"""A cache of rendered pages, stored as YAML."""
import yaml


class PageCache:
    def __init__(self, backend):
        self.backend = backend

    def get(self, key):
        raw = self.backend.get(key)
        if raw is None:
            return None
        return yaml.load(raw, Loader=yaml.Loader)

    def put(self, key, page):
        self.backend.set(key, yaml.safe_dump(page))
