"""The engine contract suite on fakeredis and on the real Redis server (`engine_redis`)."""

from tests.integration.engine.contract import EngineContractSuite


class TestEngineContract(EngineContractSuite):
    """Every contract test, once per Redis (the fixture is parametrized)."""
