"""SMS: Twilio's webhooks, users' numbers, usage, costs and analytics."""
