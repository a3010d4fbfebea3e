"""The aiohttp transport: routes, middleware and the admin API. Only this layer knows about HTTP."""
