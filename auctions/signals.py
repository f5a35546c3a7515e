"""What the auctions app tells the apps above it, which connect in their `AppConfig.ready`.

`auctions` never imports those apps (import-linter's `apps` contract); a consequence that belongs
to another app is a receiver of one of these signals. docs/architecture.md lists every
connection in one table.

- `auction_sold(sender=Auction, auction, buyer_id, price)`: an auction ended with a winner. Sent
  inside the transaction that writes the `ended` row, so whatever a receiver writes (the order)
  commits or rolls back with it. A receiver's error aborts that transaction.
- `worker_pass(sender=None)`: the lifecycle worker's periodic pass. Each receiver does its own
  due work and returns the counts to add to the pass report, by field name (`{"orders_closed":
  2}`); one receiver failing is logged and does not stop the others or the worker.
"""

from django.dispatch import Signal

auction_sold = Signal()
worker_pass = Signal()
