"""The holiday table (法定节假日与调休上班日) that bookings count working days by; admins keep it in the console."""
