"""Page-number pagination of the catalogues (``count``, ``next``, ``previous``, ``results``)."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class CataloguePagination(PageNumberPagination):
    """20 listings a page by default; clients may ask for up to 100 with ``page_size``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
