"""views: remember the call that counted a view last, so that a retry of that call counts nothing

delivery_request_views.last_request_id holds the x-request-id of the GetDeliveryRequest call that
last counted a view. Envoy sends a read again (READ_RETRY_POLICY) with the same x-request-id when
the first attempt's connection was reset or its replica answered UNAVAILABLE, possibly after that
attempt had committed its view: the same id again counts nothing (store.count_view).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 21:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("delivery_request_views", sa.Column("last_request_id", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("delivery_request_views", "last_request_id")
