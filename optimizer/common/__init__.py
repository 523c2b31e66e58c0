"""What both planners share: errors, graph helpers, CP-SAT settings, compiled heaps."""
