"""AI agents: an MCP server at ``/mcp`` with a few intent tools for AI receptionists and assistants, over the same
services, auth, idempotency and audit as the REST API (DESIGN.md §1 part 6; docs/agents.md)."""

from medley.agents.http import McpEndpoint, install_mcp

__all__ = ["McpEndpoint", "install_mcp"]
