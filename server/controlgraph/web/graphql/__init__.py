"""The GraphQL API (strawberry) at ``/graphql``: types, resolvers, pagination and query limits."""
