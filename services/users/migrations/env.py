from services.users.store import metadata
from services.common.migrations import run_env

run_env(metadata)
