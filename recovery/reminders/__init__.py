"""When to remind whom: clinical scheduling that asks `notifications` to deliver."""
