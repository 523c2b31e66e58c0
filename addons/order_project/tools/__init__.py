# Plain-python helpers of order_project. Nothing in this package imports odoo, so the
# repository's pytest suite loads these files by path and runs them on any machine.
