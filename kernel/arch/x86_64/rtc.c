/* The MC146818 CMOS real-time clock (ports 0x70/0x71), read once at boot. */
#include "asm/cpu.h"
#include "linux/time.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_CENTURY 0x32
#define STATUS_A_UPDATING 0x80
#define STATUS_B_BINARY 0x04
#define STATUS_B_24HOUR 0x02
#define NMI_DISABLE 0x80
#define UPDATE_WAIT_LIMIT 1000000

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, NMI_DISABLE | reg);
	return inb(CMOS_DATA);
}

static unsigned from_bcd(uint8_t v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

uint64_t arch_rtc_read_seconds(void)
{
	for (int i = 0; i < UPDATE_WAIT_LIMIT && (cmos_read(RTC_STATUS_A) & STATUS_A_UPDATING); i++)
		cpu_relax();
	uint8_t sec = cmos_read(RTC_SECONDS), min = cmos_read(RTC_MINUTES), hour = cmos_read(RTC_HOURS);
	uint8_t day = cmos_read(RTC_DAY), mon = cmos_read(RTC_MONTH), year = cmos_read(RTC_YEAR);
	uint8_t century = cmos_read(RTC_CENTURY), b = cmos_read(RTC_STATUS_B);
	if (sec == 0xff && min == 0xff)
		return 0; /* no RTC */
	bool pm = hour & 0x80;
	hour &= 0x7f;
	unsigned s = sec, mi = min, h = hour, d = day, mo = mon, y = year, c = century;
	if (!(b & STATUS_B_BINARY)) {
		s = from_bcd(sec), mi = from_bcd(min), h = from_bcd(hour), d = from_bcd(day);
		mo = from_bcd(mon), y = from_bcd(year), c = from_bcd(century);
	}
	if (!(b & STATUS_B_24HOUR) && pm)
		h = (h % 12) + 12;
	unsigned full_year = (c >= 19 && c <= 30) ? c * 100 + y : 2000 + y;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return 0;
	return (uint64_t)(days_from_civil(full_year, mo, d) * 86400 + h * 3600 + mi * 60 + s);
}
