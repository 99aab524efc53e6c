SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."leads__n") AS "leads__n",
  SUM("t6"."valid_leads__n") AS "valid_leads__n"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."leads__n",
    "t5"."valid_leads__n",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) AS "leads__n",
      COUNT(*) FILTER(WHERE
        "t3"."valid") AS "valid_leads__n"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."account_id",
        "t1"."owner_id",
        "t1"."channel",
        "t1"."status",
        "t1"."valid",
        "t1"."created_at",
        "t1"."mql_at",
        "t1"."sql_at",
        "t1"."disqualified_at",
        "t1"."converted_at",
        "t1"."converted_deal_id",
        CAST(DATE_TRUNC('MONTH', "t1"."created_at") AS DATE) AS "_p",
        COALESCE("t1"."owner_id", -1) AS "_key"
      FROM "leads" AS "t1"
      WHERE
        "t1"."created_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
        AND "t1"."created_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t5"."scope_type",
  "t5"."scope_id",
  "t5"."_p",
  COUNT(DISTINCT "t5"."channel") FILTER(WHERE
    "t5"."valid") AS "x_channels_valid__v"
FROM (
  SELECT
    "t4"."id",
    "t4"."source",
    "t4"."external_id",
    "t4"."account_id",
    "t4"."owner_id",
    "t4"."channel",
    "t4"."status",
    "t4"."valid",
    "t4"."created_at",
    "t4"."mql_at",
    "t4"."sql_at",
    "t4"."disqualified_at",
    "t4"."converted_at",
    "t4"."converted_deal_id",
    "t4"."_p",
    "t4"."_key",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t0"."id",
      "t0"."source",
      "t0"."external_id",
      "t0"."account_id",
      "t0"."owner_id",
      "t0"."channel",
      "t0"."status",
      "t0"."valid",
      "t0"."created_at",
      "t0"."mql_at",
      "t0"."sql_at",
      "t0"."disqualified_at",
      "t0"."converted_at",
      "t0"."converted_deal_id",
      CAST(DATE_TRUNC('MONTH', "t0"."created_at") AS DATE) AS "_p",
      COALESCE("t0"."owner_id", -1) AS "_key"
    FROM "leads" AS "t0"
    WHERE
      "t0"."created_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
      AND "t0"."created_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
  ) AS "t4"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t4"."_key" = "t2"."_key"
) AS "t5"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."mqls__n") AS "mqls__n"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."mqls__n",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) FILTER(WHERE
        NOT (
          "t3"."mql_at" IS NULL
        )) AS "mqls__n"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."account_id",
        "t1"."owner_id",
        "t1"."channel",
        "t1"."status",
        "t1"."valid",
        "t1"."created_at",
        "t1"."mql_at",
        "t1"."sql_at",
        "t1"."disqualified_at",
        "t1"."converted_at",
        "t1"."converted_deal_id",
        CAST(DATE_TRUNC('MONTH', "t1"."mql_at") AS DATE) AS "_p",
        COALESCE("t1"."owner_id", -1) AS "_key"
      FROM "leads" AS "t1"
      WHERE
        "t1"."mql_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
        AND "t1"."mql_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."sqls__n") AS "sqls__n"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."sqls__n",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) FILTER(WHERE
        NOT (
          "t3"."sql_at" IS NULL
        )) AS "sqls__n"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."account_id",
        "t1"."owner_id",
        "t1"."channel",
        "t1"."status",
        "t1"."valid",
        "t1"."created_at",
        "t1"."mql_at",
        "t1"."sql_at",
        "t1"."disqualified_at",
        "t1"."converted_at",
        "t1"."converted_deal_id",
        CAST(DATE_TRUNC('MONTH', "t1"."sql_at") AS DATE) AS "_p",
        COALESCE("t1"."owner_id", -1) AS "_key"
      FROM "leads" AS "t1"
      WHERE
        "t1"."sql_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
        AND "t1"."sql_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."spend__s") AS "spend__s",
  SUM("t6"."spend__c") AS "spend__c"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."spend__s",
    "t5"."spend__c",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      SUM("t3"."amount") AS "spend__s",
      COUNT("t3"."amount") AS "spend__c"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."channel",
        "t1"."period_start",
        "t1"."period_end",
        "t1"."amount",
        "t1"."team_id",
        DATE_TRUNC('MONTH', "t1"."period_start") AS "_p",
        COALESCE("t1"."team_id", -1) AS "_key"
      FROM "spend" AS "t1"
      WHERE
        "t1"."period_start" >= MAKE_DATE(2025, 4, 1)
        AND "t1"."period_start" <= MAKE_DATE(2027, 3, 31)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (1, 'team', 1), (1, 'company', 0), (2, 'team', 2), (2, 'team', 1), (2, 'company', 0), (3, 'team', 3), (3, 'team', 1), (3, 'company', 0), (4, 'team', 4), (4, 'team', 2), (4, 'team', 1), (4, 'company', 0), (5, 'team', 5), (5, 'team', 3), (5, 'team', 1), (5, 'company', 0), (6, 'team', 6), (6, 'company', 0), (7, 'team', 7), (7, 'team', 2), (7, 'team', 1), (7, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t5"."scope_type",
  "t5"."scope_id",
  "t5"."_p",
  QUANTILE_CONT(CAST("t5"."amount" AS DOUBLE), 0.5) AS "x_median_spend__v"
FROM (
  SELECT
    "t4"."id",
    "t4"."source",
    "t4"."external_id",
    "t4"."channel",
    "t4"."period_start",
    "t4"."period_end",
    "t4"."amount",
    "t4"."team_id",
    "t4"."_p",
    "t4"."_key",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t0"."id",
      "t0"."source",
      "t0"."external_id",
      "t0"."channel",
      "t0"."period_start",
      "t0"."period_end",
      "t0"."amount",
      "t0"."team_id",
      DATE_TRUNC('MONTH', "t0"."period_start") AS "_p",
      COALESCE("t0"."team_id", -1) AS "_key"
    FROM "spend" AS "t0"
    WHERE
      "t0"."period_start" >= MAKE_DATE(2025, 4, 1)
      AND "t0"."period_start" <= MAKE_DATE(2027, 3, 31)
  ) AS "t4"
  INNER JOIN (SELECT * FROM (VALUES (1, 'team', 1), (1, 'company', 0), (2, 'team', 2), (2, 'team', 1), (2, 'company', 0), (3, 'team', 3), (3, 'team', 1), (3, 'company', 0), (4, 'team', 4), (4, 'team', 2), (4, 'team', 1), (4, 'company', 0), (5, 'team', 5), (5, 'team', 3), (5, 'team', 1), (5, 'company', 0), (6, 'team', 6), (6, 'company', 0), (7, 'team', 7), (7, 'team', 2), (7, 'team', 1), (7, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t4"."_key" = "t2"."_key"
) AS "t5"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."calls__n") AS "calls__n",
  SUM("t6"."connected_calls__n") AS "connected_calls__n",
  SUM("t6"."emails_sent__n") AS "emails_sent__n",
  SUM("t6"."emails_opened__n") AS "emails_opened__n",
  SUM("t6"."emails_replied__n") AS "emails_replied__n",
  SUM("t6"."entry_lag_hours__s") AS "entry_lag_hours__s",
  SUM("t6"."entry_lag_hours__c") AS "entry_lag_hours__c",
  SUM("t6"."appointments__n") AS "appointments__n",
  SUM("t6"."visits__n") AS "visits__n",
  SUM("t6"."web_meetings__n") AS "web_meetings__n",
  SUM("t6"."meetings__n") AS "meetings__n",
  SUM("t6"."avg_meeting_minutes__s") AS "avg_meeting_minutes__s",
  SUM("t6"."avg_meeting_minutes__c") AS "avg_meeting_minutes__c"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."calls__n",
    "t5"."connected_calls__n",
    "t5"."emails_sent__n",
    "t5"."emails_opened__n",
    "t5"."emails_replied__n",
    "t5"."entry_lag_hours__s",
    "t5"."entry_lag_hours__c",
    "t5"."appointments__n",
    "t5"."visits__n",
    "t5"."web_meetings__n",
    "t5"."meetings__n",
    "t5"."avg_meeting_minutes__s",
    "t5"."avg_meeting_minutes__c",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) FILTER(WHERE
        "t3"."type" = 'call') AS "calls__n",
      COUNT(*) FILTER(WHERE
        (
          "t3"."type" = 'call'
        ) AND "t3"."outcome" IN ('connected', 'appointment')) AS "connected_calls__n",
      COUNT(*) FILTER(WHERE
        "t3"."type" = 'email') AS "emails_sent__n",
      COUNT(*) FILTER(WHERE
        (
          "t3"."type" = 'email'
        ) AND "t3"."outcome" IN ('opened', 'replied')) AS "emails_opened__n",
      COUNT(*) FILTER(WHERE
        (
          "t3"."type" = 'email'
        ) AND (
          "t3"."outcome" = 'replied'
        )) AS "emails_replied__n",
      SUM(
        CAST(EPOCH(CAST(CAST("t3"."logged_at" AS TIMESTAMP) AS TIMESTAMP)) - EPOCH(CAST(CAST("t3"."occurred_at" AS TIMESTAMP) AS TIMESTAMP)) AS DOUBLE)
      ) AS "entry_lag_hours__s",
      COUNT(
        CAST(EPOCH(CAST(CAST("t3"."logged_at" AS TIMESTAMP) AS TIMESTAMP)) - EPOCH(CAST(CAST("t3"."occurred_at" AS TIMESTAMP) AS TIMESTAMP)) AS DOUBLE)
      ) AS "entry_lag_hours__c",
      COUNT(*) FILTER(WHERE
        "t3"."outcome" = 'appointment') AS "appointments__n",
      COUNT(*) FILTER(WHERE
        "t3"."type" = 'visit') AS "visits__n",
      COUNT(*) FILTER(WHERE
        "t3"."type" = 'web_meeting') AS "web_meetings__n",
      COUNT(*) FILTER(WHERE
        "t3"."type" IN ('visit', 'web_meeting')) AS "meetings__n",
      SUM("t3"."duration_minutes") FILTER(WHERE
        "t3"."type" IN ('visit', 'web_meeting')) AS "avg_meeting_minutes__s",
      COUNT("t3"."duration_minutes") FILTER(WHERE
        "t3"."type" IN ('visit', 'web_meeting')) AS "avg_meeting_minutes__c"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."member_id",
        "t1"."type",
        "t1"."outcome",
        "t1"."lead_id",
        "t1"."deal_id",
        "t1"."account_id",
        "t1"."subject",
        "t1"."duration_minutes",
        "t1"."occurred_at",
        "t1"."logged_at",
        "t1"."contact_id",
        CAST(DATE_TRUNC('MONTH', "t1"."occurred_at") AS DATE) AS "_p",
        COALESCE("t1"."member_id", -1) AS "_key"
      FROM "activities" AS "t1"
      WHERE
        "t1"."occurred_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
        AND "t1"."occurred_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t5"."scope_type",
  "t5"."scope_id",
  "t5"."_p",
  COUNT(DISTINCT "t5"."account_id") AS "x_accounts_touched__v"
FROM (
  SELECT
    "t4"."id",
    "t4"."source",
    "t4"."external_id",
    "t4"."member_id",
    "t4"."type",
    "t4"."outcome",
    "t4"."lead_id",
    "t4"."deal_id",
    "t4"."account_id",
    "t4"."subject",
    "t4"."duration_minutes",
    "t4"."occurred_at",
    "t4"."logged_at",
    "t4"."contact_id",
    "t4"."_p",
    "t4"."_key",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t0"."id",
      "t0"."source",
      "t0"."external_id",
      "t0"."member_id",
      "t0"."type",
      "t0"."outcome",
      "t0"."lead_id",
      "t0"."deal_id",
      "t0"."account_id",
      "t0"."subject",
      "t0"."duration_minutes",
      "t0"."occurred_at",
      "t0"."logged_at",
      "t0"."contact_id",
      CAST(DATE_TRUNC('MONTH', "t0"."occurred_at") AS DATE) AS "_p",
      COALESCE("t0"."member_id", -1) AS "_key"
    FROM "activities" AS "t0"
    WHERE
      "t0"."occurred_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
      AND "t0"."occurred_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
  ) AS "t4"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t4"."_key" = "t2"."_key"
) AS "t5"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."deals_created__n") AS "deals_created__n",
  SUM("t6"."valid_deals__n") AS "valid_deals__n"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."deals_created__n",
    "t5"."valid_deals__n",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) AS "deals_created__n",
      COUNT(*) FILTER(WHERE
        "t3"."valid") AS "valid_deals__n"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."name",
        "t1"."account_id",
        "t1"."owner_id",
        "t1"."product_id",
        "t1"."lead_id",
        "t1"."channel",
        "t1"."stage",
        "t1"."amount",
        "t1"."currency",
        "t1"."probability",
        "t1"."created_at",
        "t1"."expected_close_on",
        "t1"."closed_at",
        "t1"."is_closed",
        "t1"."is_won",
        "t1"."lost_reason",
        "t1"."valid",
        CAST(DATE_TRUNC('MONTH', "t1"."created_at") AS DATE) AS "_p",
        COALESCE("t1"."owner_id", -1) AS "_key"
      FROM "deals" AS "t1"
      WHERE
        "t1"."created_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
        AND "t1"."created_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t10"."scope_type",
  "t10"."scope_id",
  "t10"."_p",
  SUM("t10"."_rows") AS "_rows",
  SUM("t10"."proposals__n") AS "proposals__n",
  SUM("t10"."x_stage_amount__s") AS "x_stage_amount__s",
  SUM("t10"."x_stage_amount__c") AS "x_stage_amount__c"
FROM (
  SELECT
    "t9"."_key",
    "t9"."_p",
    "t9"."_rows",
    "t9"."proposals__n",
    "t9"."x_stage_amount__s",
    "t9"."x_stage_amount__c",
    "t3"."scope_type",
    "t3"."scope_id"
  FROM (
    SELECT
      "t7"."_key",
      "t7"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) FILTER(WHERE
        "t7"."stage" = '提案・見積') AS "proposals__n",
      SUM("t7"."amount") AS "x_stage_amount__s",
      COUNT("t7"."amount") AS "x_stage_amount__c"
    FROM (
      SELECT
        "t6"."id",
        "t6"."deal_id",
        "t6"."stage",
        "t6"."entered_at",
        "t6"."amount",
        "t6"."owner_id",
        "t6"."channel",
        "t6"."product_id",
        "t6"."is_won",
        CAST(DATE_TRUNC('MONTH', "t6"."entered_at") AS DATE) AS "_p",
        COALESCE("t6"."owner_id", -1) AS "_key"
      FROM (
        SELECT
          "t4"."id",
          "t4"."deal_id",
          "t4"."stage",
          "t4"."entered_at",
          "t4"."amount",
          "t5"."owner_id",
          "t5"."channel",
          "t5"."product_id",
          "t5"."is_won"
        FROM "deal_stage_history" AS "t4"
        INNER JOIN "deals" AS "t5"
          ON "t4"."deal_id" = "t5"."id"
      ) AS "t6"
      WHERE
        "t6"."entered_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
        AND "t6"."entered_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
    ) AS "t7"
    GROUP BY
      1,
      2
  ) AS "t9"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t3"
    ON "t9"."_key" = "t3"."_key"
) AS "t10"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."pipeline_amount__s") AS "pipeline_amount__s",
  SUM("t6"."pipeline_amount__c") AS "pipeline_amount__c"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."pipeline_amount__s",
    "t5"."pipeline_amount__c",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      SUM("t3"."amount") FILTER(WHERE
        NOT (
          "t3"."is_closed"
        )) AS "pipeline_amount__s",
      COUNT("t3"."amount") FILTER(WHERE
        NOT (
          "t3"."is_closed"
        )) AS "pipeline_amount__c"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."name",
        "t1"."account_id",
        "t1"."owner_id",
        "t1"."product_id",
        "t1"."lead_id",
        "t1"."channel",
        "t1"."stage",
        "t1"."amount",
        "t1"."currency",
        "t1"."probability",
        "t1"."created_at",
        "t1"."expected_close_on",
        "t1"."closed_at",
        "t1"."is_closed",
        "t1"."is_won",
        "t1"."lost_reason",
        "t1"."valid",
        DATE_TRUNC('MONTH', "t1"."expected_close_on") AS "_p",
        COALESCE("t1"."owner_id", -1) AS "_key"
      FROM "deals" AS "t1"
      WHERE
        "t1"."expected_close_on" >= MAKE_DATE(2025, 4, 1)
        AND "t1"."expected_close_on" <= MAKE_DATE(2027, 3, 31)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."won_deals__n") AS "won_deals__n",
  SUM("t6"."lost_deals__n") AS "lost_deals__n",
  SUM("t6"."closed_deals__n") AS "closed_deals__n",
  SUM("t6"."revenue__s") AS "revenue__s",
  SUM("t6"."revenue__c") AS "revenue__c",
  SUM("t6"."sales_cycle_days__s") AS "sales_cycle_days__s",
  SUM("t6"."sales_cycle_days__c") AS "sales_cycle_days__c"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."won_deals__n",
    "t5"."lost_deals__n",
    "t5"."closed_deals__n",
    "t5"."revenue__s",
    "t5"."revenue__c",
    "t5"."sales_cycle_days__s",
    "t5"."sales_cycle_days__c",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) FILTER(WHERE
        "t3"."is_won") AS "won_deals__n",
      COUNT(*) FILTER(WHERE
        "t3"."is_closed" AND NOT (
          "t3"."is_won"
        )) AS "lost_deals__n",
      COUNT(*) FILTER(WHERE
        "t3"."is_closed") AS "closed_deals__n",
      SUM("t3"."amount") FILTER(WHERE
        "t3"."is_won") AS "revenue__s",
      COUNT("t3"."amount") FILTER(WHERE
        "t3"."is_won") AS "revenue__c",
      SUM(
        CAST(EPOCH(CAST(CAST("t3"."closed_at" AS TIMESTAMP) AS TIMESTAMP)) - EPOCH(CAST(CAST("t3"."created_at" AS TIMESTAMP) AS TIMESTAMP)) AS DOUBLE)
      ) FILTER(WHERE
        "t3"."is_won") AS "sales_cycle_days__s",
      COUNT(
        CAST(EPOCH(CAST(CAST("t3"."closed_at" AS TIMESTAMP) AS TIMESTAMP)) - EPOCH(CAST(CAST("t3"."created_at" AS TIMESTAMP) AS TIMESTAMP)) AS DOUBLE)
      ) FILTER(WHERE
        "t3"."is_won") AS "sales_cycle_days__c"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."name",
        "t1"."account_id",
        "t1"."owner_id",
        "t1"."product_id",
        "t1"."lead_id",
        "t1"."channel",
        "t1"."stage",
        "t1"."amount",
        "t1"."currency",
        "t1"."probability",
        "t1"."created_at",
        "t1"."expected_close_on",
        "t1"."closed_at",
        "t1"."is_closed",
        "t1"."is_won",
        "t1"."lost_reason",
        "t1"."valid",
        CAST(DATE_TRUNC('MONTH', "t1"."closed_at") AS DATE) AS "_p",
        COALESCE("t1"."owner_id", -1) AS "_key"
      FROM "deals" AS "t1"
      WHERE
        "t1"."closed_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
        AND "t1"."closed_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t5"."scope_type",
  "t5"."scope_id",
  "t5"."_p",
  QUANTILE_CONT(
    CASE
      WHEN "t5"."is_won"
      THEN CAST("t5"."amount" AS DOUBLE)
      ELSE CAST(NULL AS DOUBLE)
    END,
    0.5
  ) AS "x_median_won_amount__v",
  QUANTILE_CONT(
    CASE
      WHEN "t5"."is_won"
      THEN CAST(EPOCH(CAST(CAST("t5"."closed_at" AS TIMESTAMP) AS TIMESTAMP)) - EPOCH(CAST(CAST("t5"."created_at" AS TIMESTAMP) AS TIMESTAMP)) AS DOUBLE)
      ELSE CAST(NULL AS DOUBLE)
    END,
    0.5
  ) AS "x_median_cycle_days__v"
FROM (
  SELECT
    "t4"."id",
    "t4"."source",
    "t4"."external_id",
    "t4"."name",
    "t4"."account_id",
    "t4"."owner_id",
    "t4"."product_id",
    "t4"."lead_id",
    "t4"."channel",
    "t4"."stage",
    "t4"."amount",
    "t4"."currency",
    "t4"."probability",
    "t4"."created_at",
    "t4"."expected_close_on",
    "t4"."closed_at",
    "t4"."is_closed",
    "t4"."is_won",
    "t4"."lost_reason",
    "t4"."valid",
    "t4"."_p",
    "t4"."_key",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t0"."id",
      "t0"."source",
      "t0"."external_id",
      "t0"."name",
      "t0"."account_id",
      "t0"."owner_id",
      "t0"."product_id",
      "t0"."lead_id",
      "t0"."channel",
      "t0"."stage",
      "t0"."amount",
      "t0"."currency",
      "t0"."probability",
      "t0"."created_at",
      "t0"."expected_close_on",
      "t0"."closed_at",
      "t0"."is_closed",
      "t0"."is_won",
      "t0"."lost_reason",
      "t0"."valid",
      CAST(DATE_TRUNC('MONTH', "t0"."closed_at") AS DATE) AS "_p",
      COALESCE("t0"."owner_id", -1) AS "_key"
    FROM "deals" AS "t0"
    WHERE
      "t0"."closed_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
      AND "t0"."closed_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
  ) AS "t4"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t4"."_key" = "t2"."_key"
) AS "t5"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t10"."scope_type",
  "t10"."scope_id",
  "t10"."_p",
  SUM("t10"."_rows") AS "_rows",
  SUM("t10"."active_contracts__n") AS "active_contracts__n"
FROM (
  SELECT
    "t9"."_key",
    "t9"."_p",
    "t9"."_rows",
    "t9"."active_contracts__n",
    "t3"."scope_type",
    "t3"."scope_id"
  FROM (
    SELECT
      "t7"."_key",
      "t7"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) AS "active_contracts__n"
    FROM (
      SELECT
        "t6"."id",
        "t6"."source",
        "t6"."external_id",
        "t6"."account_id",
        "t6"."deal_id",
        "t6"."owner_id",
        "t6"."start_on",
        "t6"."end_on",
        "t6"."mrr",
        "t6"."status",
        "t6"."churned_on",
        "t6"."renewed",
        "t6"."expansion",
        "t6"."_p",
        "t6"."_e",
        COALESCE("t6"."owner_id", -1) AS "_key"
      FROM (
        SELECT
          "t4"."id",
          "t4"."source",
          "t4"."external_id",
          "t4"."account_id",
          "t4"."deal_id",
          "t4"."owner_id",
          "t4"."start_on",
          "t4"."end_on",
          "t4"."mrr",
          "t4"."status",
          "t4"."churned_on",
          "t4"."renewed",
          "t4"."expansion",
          "t5"."_p",
          "t5"."_e"
        FROM "contracts" AS "t4"
        CROSS JOIN (SELECT * FROM (VALUES (DATE '2025-04-01', DATE '2025-04-30'), (DATE '2025-05-01', DATE '2025-05-31'), (DATE '2025-06-01', DATE '2025-06-30'), (DATE '2025-07-01', DATE '2025-07-31'), (DATE '2025-08-01', DATE '2025-08-31'), (DATE '2025-09-01', DATE '2025-09-30'), (DATE '2025-10-01', DATE '2025-10-31'), (DATE '2025-11-01', DATE '2025-11-30'), (DATE '2025-12-01', DATE '2025-12-31'), (DATE '2026-01-01', DATE '2026-01-31'), (DATE '2026-02-01', DATE '2026-02-28'), (DATE '2026-03-01', DATE '2026-03-31'), (DATE '2026-04-01', DATE '2026-04-30'), (DATE '2026-05-01', DATE '2026-05-31'), (DATE '2026-06-01', DATE '2026-06-30'), (DATE '2026-07-01', DATE '2026-07-31'), (DATE '2026-08-01', DATE '2026-08-31'), (DATE '2026-09-01', DATE '2026-09-30'), (DATE '2026-10-01', DATE '2026-10-31'), (DATE '2026-11-01', DATE '2026-11-30'), (DATE '2026-12-01', DATE '2026-12-31'), (DATE '2027-01-01', DATE '2027-01-31'), (DATE '2027-02-01', DATE '2027-02-28'), (DATE '2027-03-01', DATE '2027-03-31')) AS _v("_p", "_e")) AS "t5"
      ) AS "t6"
      WHERE
        CAST("t6"."start_on" AS DATE) <= "t6"."_e"
        AND (
          (
            "t6"."end_on" IS NULL
          ) OR (
            "t6"."end_on" > "t6"."_e"
          )
        )
    ) AS "t7"
    GROUP BY
      1,
      2
  ) AS "t9"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t3"
    ON "t9"."_key" = "t3"."_key"
) AS "t10"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t10"."scope_type",
  "t10"."scope_id",
  "t10"."_p",
  SUM("t10"."_rows") AS "_rows",
  SUM("t10"."mrr__s") AS "mrr__s",
  SUM("t10"."mrr__c") AS "mrr__c"
FROM (
  SELECT
    "t9"."_key",
    "t9"."_p",
    "t9"."_rows",
    "t9"."mrr__s",
    "t9"."mrr__c",
    "t3"."scope_type",
    "t3"."scope_id"
  FROM (
    SELECT
      "t7"."_key",
      "t7"."_p",
      COUNT(*) AS "_rows",
      SUM("t7"."mrr") AS "mrr__s",
      COUNT("t7"."mrr") AS "mrr__c"
    FROM (
      SELECT
        "t6"."id",
        "t6"."source",
        "t6"."external_id",
        "t6"."account_id",
        "t6"."deal_id",
        "t6"."owner_id",
        "t6"."start_on",
        "t6"."end_on",
        "t6"."mrr",
        "t6"."status",
        "t6"."churned_on",
        "t6"."renewed",
        "t6"."expansion",
        "t6"."_p",
        "t6"."_e",
        COALESCE("t6"."owner_id", -1) AS "_key"
      FROM (
        SELECT
          "t4"."id",
          "t4"."source",
          "t4"."external_id",
          "t4"."account_id",
          "t4"."deal_id",
          "t4"."owner_id",
          "t4"."start_on",
          "t4"."end_on",
          "t4"."mrr",
          "t4"."status",
          "t4"."churned_on",
          "t4"."renewed",
          "t4"."expansion",
          "t5"."_p",
          "t5"."_e"
        FROM "contracts" AS "t4"
        CROSS JOIN (SELECT * FROM (VALUES (DATE '2025-04-01', DATE '2025-04-30'), (DATE '2025-05-01', DATE '2025-05-31'), (DATE '2025-06-01', DATE '2025-06-30'), (DATE '2025-07-01', DATE '2025-07-31'), (DATE '2025-08-01', DATE '2025-08-31'), (DATE '2025-09-01', DATE '2025-09-30'), (DATE '2025-10-01', DATE '2025-10-31'), (DATE '2025-11-01', DATE '2025-11-30'), (DATE '2025-12-01', DATE '2025-12-31'), (DATE '2026-01-01', DATE '2026-01-31'), (DATE '2026-02-01', DATE '2026-02-28'), (DATE '2026-03-01', DATE '2026-03-31'), (DATE '2026-04-01', DATE '2026-04-30'), (DATE '2026-05-01', DATE '2026-05-31'), (DATE '2026-06-01', DATE '2026-06-30'), (DATE '2026-07-01', DATE '2026-07-31'), (DATE '2026-08-01', DATE '2026-08-31'), (DATE '2026-09-01', DATE '2026-09-30'), (DATE '2026-10-01', DATE '2026-10-31'), (DATE '2026-11-01', DATE '2026-11-30'), (DATE '2026-12-01', DATE '2026-12-31'), (DATE '2027-01-01', DATE '2027-01-31'), (DATE '2027-02-01', DATE '2027-02-28'), (DATE '2027-03-01', DATE '2027-03-31')) AS _v("_p", "_e")) AS "t5"
      ) AS "t6"
      WHERE
        CAST("t6"."start_on" AS DATE) <= "t6"."_e"
        AND (
          (
            "t6"."end_on" IS NULL
          ) OR (
            "t6"."end_on" > "t6"."_e"
          )
        )
    ) AS "t7"
    GROUP BY
      1,
      2
  ) AS "t9"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t3"
    ON "t9"."_key" = "t3"."_key"
) AS "t10"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."new_contracts__n") AS "new_contracts__n",
  SUM("t6"."expansion_contracts__n") AS "expansion_contracts__n",
  SUM("t6"."x_mean_new_mrr__s") AS "x_mean_new_mrr__s",
  SUM("t6"."x_mean_new_mrr__c") AS "x_mean_new_mrr__c"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."new_contracts__n",
    "t5"."expansion_contracts__n",
    "t5"."x_mean_new_mrr__s",
    "t5"."x_mean_new_mrr__c",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) AS "new_contracts__n",
      COUNT(*) FILTER(WHERE
        "t3"."expansion") AS "expansion_contracts__n",
      SUM("t3"."mrr") AS "x_mean_new_mrr__s",
      COUNT("t3"."mrr") AS "x_mean_new_mrr__c"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."account_id",
        "t1"."deal_id",
        "t1"."owner_id",
        "t1"."start_on",
        "t1"."end_on",
        "t1"."mrr",
        "t1"."status",
        "t1"."churned_on",
        "t1"."renewed",
        "t1"."expansion",
        DATE_TRUNC('MONTH', "t1"."start_on") AS "_p",
        COALESCE("t1"."owner_id", -1) AS "_key"
      FROM "contracts" AS "t1"
      WHERE
        "t1"."start_on" >= MAKE_DATE(2025, 4, 1)
        AND "t1"."start_on" <= MAKE_DATE(2027, 3, 31)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."churned_contracts__n") AS "churned_contracts__n"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."churned_contracts__n",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) FILTER(WHERE
        NOT (
          "t3"."churned_on" IS NULL
        )) AS "churned_contracts__n"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."account_id",
        "t1"."deal_id",
        "t1"."owner_id",
        "t1"."start_on",
        "t1"."end_on",
        "t1"."mrr",
        "t1"."status",
        "t1"."churned_on",
        "t1"."renewed",
        "t1"."expansion",
        DATE_TRUNC('MONTH', "t1"."churned_on") AS "_p",
        COALESCE("t1"."owner_id", -1) AS "_key"
      FROM "contracts" AS "t1"
      WHERE
        "t1"."churned_on" >= MAKE_DATE(2025, 4, 1)
        AND "t1"."churned_on" <= MAKE_DATE(2027, 3, 31)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;

SELECT
  "t6"."scope_type",
  "t6"."scope_id",
  "t6"."_p",
  SUM("t6"."_rows") AS "_rows",
  SUM("t6"."nps_responses__n") AS "nps_responses__n",
  SUM("t6"."nps_promoters__n") AS "nps_promoters__n",
  SUM("t6"."nps_detractors__n") AS "nps_detractors__n",
  SUM("t6"."csat__s") AS "csat__s",
  SUM("t6"."csat__c") AS "csat__c",
  SUM("t6"."referrals__n") AS "referrals__n",
  SUM("t6"."complaints__n") AS "complaints__n"
FROM (
  SELECT
    "t5"."_key",
    "t5"."_p",
    "t5"."_rows",
    "t5"."nps_responses__n",
    "t5"."nps_promoters__n",
    "t5"."nps_detractors__n",
    "t5"."csat__s",
    "t5"."csat__c",
    "t5"."referrals__n",
    "t5"."complaints__n",
    "t2"."scope_type",
    "t2"."scope_id"
  FROM (
    SELECT
      "t3"."_key",
      "t3"."_p",
      COUNT(*) AS "_rows",
      COUNT(*) FILTER(WHERE
        "t3"."kind" = 'nps') AS "nps_responses__n",
      COUNT(*) FILTER(WHERE
        (
          "t3"."kind" = 'nps'
        ) AND (
          "t3"."score" >= 9
        )) AS "nps_promoters__n",
      COUNT(*) FILTER(WHERE
        (
          "t3"."kind" = 'nps'
        ) AND (
          "t3"."score" <= 6
        )) AS "nps_detractors__n",
      SUM("t3"."score") FILTER(WHERE
        "t3"."kind" = 'csat') AS "csat__s",
      COUNT("t3"."score") FILTER(WHERE
        "t3"."kind" = 'csat') AS "csat__c",
      COUNT(*) FILTER(WHERE
        "t3"."referral") AS "referrals__n",
      COUNT(*) FILTER(WHERE
        "t3"."complaint") AS "complaints__n"
    FROM (
      SELECT
        "t1"."id",
        "t1"."source",
        "t1"."external_id",
        "t1"."account_id",
        "t1"."owner_id",
        "t1"."kind",
        "t1"."score",
        "t1"."answered_at",
        "t1"."referral",
        "t1"."complaint",
        CAST(DATE_TRUNC('MONTH', "t1"."answered_at") AS DATE) AS "_p",
        COALESCE("t1"."owner_id", -1) AS "_key"
      FROM "surveys" AS "t1"
      WHERE
        "t1"."answered_at" >= MAKE_TIMESTAMP(2025, 4, 1, 0, 0, 0.0)
        AND "t1"."answered_at" < MAKE_TIMESTAMP(2027, 4, 1, 0, 0, 0.0)
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  INNER JOIN (SELECT * FROM (VALUES (11, 'member', 11), (11, 'team', 4), (11, 'team', 2), (11, 'team', 1), (11, 'company', 0), (12, 'member', 12), (12, 'team', 4), (12, 'team', 2), (12, 'team', 1), (12, 'company', 0), (13, 'member', 13), (13, 'team', 2), (13, 'team', 1), (13, 'company', 0), (14, 'member', 14), (14, 'team', 5), (14, 'team', 3), (14, 'team', 1), (14, 'company', 0), (15, 'member', 15), (15, 'team', 6), (15, 'company', 0), (16, 'member', 16), (16, 'company', 0), (17, 'member', 17), (17, 'team', 3), (17, 'team', 1), (17, 'company', 0), (-1, 'company', 0)) AS _v("_key", "scope_type", "scope_id")) AS "t2"
    ON "t5"."_key" = "t2"."_key"
) AS "t6"
GROUP BY
  1,
  2,
  3
;
