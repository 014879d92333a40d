"""Service requests (办事申请/预约办理): the one owner of request, status history and appointment slot data."""
