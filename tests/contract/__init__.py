"""The HTTP contract suite: live services of every generated combination, over real HTTP."""
